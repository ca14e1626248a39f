"""The AWS services rolecall can create service-linked roles for.

Each AWS service that uses a service-linked role fixes the role's name and the AWS
managed policy (under ``/aws-service-role/``) the role gets; a few services let
the caller append ``_<CustomSuffix>`` to create more than one.  The names and
policies below are AWS's, as the services' documentation of their
service-linked roles gives them; every policy is checked against the packaged
managed-policy catalog by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .catalog import AWS_POLICY_PREFIX

#: Path prefix of every service-linked role (``/aws-service-role/<service>/``).
PATH_PREFIX = "/aws-service-role/"


@dataclass(frozen=True, slots=True)
class LinkedService:
    """One service principal and the service-linked role it gets."""

    principal: str
    role_name: str
    policy_name: str
    suffix_allowed: bool = False

    @property
    def path(self) -> str:
        """The role's path."""
        return f"{PATH_PREFIX}{self.principal}/"

    @property
    def policy_arn(self) -> str:
        """The ARN of the AWS managed policy attached to the role."""
        return f"{AWS_POLICY_PREFIX}{PATH_PREFIX}{self.policy_name}"


_SERVICES: Final = (
    LinkedService(
        "access-analyzer.amazonaws.com",
        "AWSServiceRoleForAccessAnalyzer",
        "AccessAnalyzerServiceRolePolicy",
    ),
    LinkedService(
        "acm.amazonaws.com",
        "AWSServiceRoleForCertificateManager",
        "CertificateManagerServiceRolePolicy",
    ),
    LinkedService(
        "autoscaling.amazonaws.com",
        "AWSServiceRoleForAutoScaling",
        "AutoScalingServiceRolePolicy",
        suffix_allowed=True,
    ),
    LinkedService(
        "backup.amazonaws.com",
        "AWSServiceRoleForBackup",
        "AWSBackupServiceLinkedRolePolicyForBackup",
    ),
    LinkedService("batch.amazonaws.com", "AWSServiceRoleForBatch", "BatchServiceRolePolicy"),
    LinkedService(
        "cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail", "CloudTrailServiceRolePolicy"
    ),
    LinkedService("config.amazonaws.com", "AWSServiceRoleForConfig", "AWSConfigServiceRolePolicy"),
    LinkedService(
        "connect.amazonaws.com",
        "AWSServiceRoleForAmazonConnect",
        "AmazonConnectServiceLinkedRolePolicy",
        suffix_allowed=True,
    ),
    LinkedService("dax.amazonaws.com", "AWSServiceRoleForDAX", "DAXServiceRolePolicy"),
    LinkedService(
        "dynamodb.application-autoscaling.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
        "AWSApplicationAutoscalingDynamoDBTablePolicy",
    ),
    LinkedService(
        "ec2fleet.amazonaws.com", "AWSServiceRoleForEC2Fleet", "AWSEC2FleetServiceRolePolicy"
    ),
    LinkedService("ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"),
    LinkedService(
        "ecs.application-autoscaling.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_ECSService",
        "AWSApplicationAutoscalingECSServicePolicy",
    ),
    LinkedService("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy"),
    LinkedService(
        "eks-fargate.amazonaws.com",
        "AWSServiceRoleForAmazonEKSForFargate",
        "AmazonEKSForFargateServiceRolePolicy",
    ),
    LinkedService(
        "eks-nodegroup.amazonaws.com",
        "AWSServiceRoleForAmazonEKSNodegroup",
        "AWSServiceRoleForAmazonEKSNodegroup",
    ),
    LinkedService(
        "elasticache.amazonaws.com", "AWSServiceRoleForElastiCache", "ElastiCacheServiceRolePolicy"
    ),
    LinkedService(
        "elasticbeanstalk.amazonaws.com",
        "AWSServiceRoleForElasticBeanstalk",
        "AWSElasticBeanstalkServiceRolePolicy",
    ),
    LinkedService(
        "elasticfilesystem.amazonaws.com",
        "AWSServiceRoleForAmazonElasticFileSystem",
        "AmazonElasticFileSystemServiceRolePolicy",
    ),
    LinkedService(
        "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    LinkedService(
        "es.amazonaws.com",
        "AWSServiceRoleForAmazonElasticsearchService",
        "AmazonElasticsearchServiceRolePolicy",
    ),
    LinkedService(
        "events.amazonaws.com",
        "AWSServiceRoleForCloudWatchEvents",
        "CloudWatchEventsServiceRolePolicy",
    ),
    LinkedService("fsx.amazonaws.com", "AWSServiceRoleForAmazonFSx", "AmazonFSxServiceRolePolicy"),
    LinkedService(
        "guardduty.amazonaws.com",
        "AWSServiceRoleForAmazonGuardDuty",
        "AmazonGuardDutyServiceRolePolicy",
    ),
    LinkedService(
        "inspector2.amazonaws.com",
        "AWSServiceRoleForAmazonInspector2",
        "AmazonInspector2ServiceRolePolicy",
    ),
    LinkedService("kafka.amazonaws.com", "AWSServiceRoleForKafka", "KafkaServiceRolePolicy"),
    LinkedService(
        "lexv2.amazonaws.com",
        "AWSServiceRoleForLexV2Bots",
        "AmazonLexV2BotPolicy",
        suffix_allowed=True,
    ),
    LinkedService(
        "macie.amazonaws.com", "AWSServiceRoleForAmazonMacie", "AmazonMacieServiceRolePolicy"
    ),
    LinkedService(
        "opensearchservice.amazonaws.com",
        "AWSServiceRoleForAmazonOpenSearchService",
        "AmazonOpenSearchServiceRolePolicy",
    ),
    LinkedService(
        "ops.apigateway.amazonaws.com", "AWSServiceRoleForAPIGateway", "APIGatewayServiceRolePolicy"
    ),
    LinkedService(
        "organizations.amazonaws.com",
        "AWSServiceRoleForOrganizations",
        "AWSOrganizationsServiceTrustPolicy",
    ),
    LinkedService(
        "ram.amazonaws.com",
        "AWSServiceRoleForResourceAccessManager",
        "AWSResourceAccessManagerServiceRolePolicy",
    ),
    LinkedService("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
    LinkedService(
        "redshift.amazonaws.com",
        "AWSServiceRoleForRedshift",
        "AmazonRedshiftServiceLinkedRolePolicy",
    ),
    LinkedService(
        "securityhub.amazonaws.com",
        "AWSServiceRoleForSecurityHub",
        "AWSSecurityHubServiceRolePolicy",
    ),
    LinkedService("spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy"),
    LinkedService(
        "spotfleet.amazonaws.com",
        "AWSServiceRoleForEC2SpotFleet",
        "AWSEC2SpotFleetServiceRolePolicy",
    ),
    LinkedService("ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM", "AmazonSSMServiceRolePolicy"),
    LinkedService("sso.amazonaws.com", "AWSServiceRoleForSSO", "AWSSSOServiceRolePolicy"),
    LinkedService(
        "support.amazonaws.com", "AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy"
    ),
    LinkedService(
        "transitgateway.amazonaws.com",
        "AWSServiceRoleForVPCTransitGateway",
        "AWSVPCTransitGatewayServiceRolePolicy",
    ),
    LinkedService(
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
        "AWSTrustedAdvisorServiceRolePolicy",
    ),
)

#: Known services by service principal (principals are case-sensitive).
SERVICES: Final = MappingProxyType({s.principal: s for s in _SERVICES})


def linked_service(principal: str) -> LinkedService | None:
    """The service-linked role facts of ``principal``, if rolecall knows the service."""
    return SERVICES.get(principal)


def trust_policy(principal: str) -> str:
    """The trust policy of a service-linked role: only the service may assume it."""
    return (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        f'"Principal":{{"Service":["{principal}"]}},"Action":["sts:AssumeRole"]}}]}}'
    )
