"""Tests of rolecall's policy engine (rolecall.policy)."""
