"""AWS Security Token Service: temporary credentials for roles, users and federated users."""
