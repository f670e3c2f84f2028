"""IAM's service-specific credential APIs, which moto 5.2 does not serve, added to moto's IAM.

``install(iam_models)`` adds CreateServiceSpecificCredential, ListServiceSpecificCredentials,
UpdateServiceSpecificCredential, DeleteServiceSpecificCredential and
ResetServiceSpecificCredential to moto's IAM response class. moto parses each request with
botocore's IAM model and serializes each result with it (``ActionResult``), so the wire format is
the model's; errors take their HTTP status from the model's error shapes (LimitExceeded 409,
NoSuchEntity 404, NotSupportedService 404). The credentials live on moto's IAM user objects, so
``POST /moto-api/reset`` clears them with everything else, a renamed user keeps them, and each
account has its own. CreateDate comes from ``moto.iam.models.utcnow``, the clock the launcher
shifts, so a test can make an old credential; ``Expired`` is read against the same clock.

What the behaviour follows (botocore's IAM model and the IAM API Reference unless said):

- Services: the model names Amazon Bedrock, CloudWatch Logs, CodeCommit and Amazon Keyspaces;
  the IAM User Guide ("API keys for AWS services") adds CloudWatch (cloudwatch.amazonaws.com)
  and Claude Platform on AWS (aws-external-anthropic.amazonaws.com) as API-key services. Any
  other name is ``NotSupportedService`` (404, the model's error for Create and List).
- API keys (Bedrock, CloudWatch Logs, CloudWatch, Claude Platform) carry a
  ``ServiceCredentialAlias`` and return their secret as ``ServiceCredentialSecret`` (the Bedrock
  User Guide's ``ServiceApiKeyValue`` is in no model: the SDKs would drop it); CodeCommit and
  Keyspaces credentials carry a ``ServiceUserName`` and a ``ServicePassword``. Both names are
  ``<user>-at-<account>``, or ``<user>+1-at-<account>`` while the first is taken (the AWS CLI's
  own list-service-specific-credentials example shows ``developer+1-at-123456789012``).
- ``CredentialAgeDays`` (1-36600) is "only valid for" API keys: ExpirationDate is CreateDate
  plus that many days, absent without it (never expires). Given for a password credential it is
  refused (InvalidInput). A credential past its ExpirationDate lists as ``Expired``.
- At most 2 credentials per service per user, whatever their status: the third is
  LimitExceeded (409).
- The secret is returned by Create and Reset only, never by List. Reset keeps the id, status,
  CreateDate and ExpirationDate.
- Update sets Active or Inactive; ``Expired`` is refused (InvalidInput), as the status follows
  the ExpirationDate.
- List: ``AllUsers`` with ``UserName`` is InvalidInput; ``AllUsers`` lists the account's
  credentials (of one ``ServiceName``, or of every service without one); MaxItems (1-1000,
  default 100) and an opaque Marker page any listing, with IsTruncated always present and a
  Marker only while truncated. Items come in creation order.
- Without ``UserName``, an operation acts on the calling IAM user; a caller that is not an IAM
  user (a role, the root) gets ValidationError, as IAM answers the other per-user APIs.
- Ids are ``ACCA`` and 17 uppercase letters and digits (21 characters, the length of the API
  Reference's examples; the model: ``[\\w]+``, 20-128), drawn from moto's random generator, so a
  seeded moto hands out the same ids.
- DeleteUser refuses a user who still holds one (DeleteConflict): DeleteUser's documentation
  lists service-specific credentials among what must be removed first.

Where the model and the docs are silent (the names, the quota message, the refusals of Expired
and of AllUsers with UserName, service names taken in any case), this follows a public recording
of real IAM's answers (radkawar/stackd, internal/services/iam/testdata/service_credentials_aws.json).
Where that recording differs from the model, the model wins: it saw NoSuchEntity, not
NotSupportedService, for an unknown service, ValidationError, not NoSuchEntity, for a credential
id of another user, and an ExpirationDate for a CodeCommit credential given CredentialAgeDays.
"""

from __future__ import annotations

import base64
import datetime
import string
from dataclasses import dataclass

#: ServiceName → the kind of credential it gets, and the prefix of an API key's secret (Bedrock's
#: keys begin ABSK, as every published example shows; the others' prefixes are not documented).
API_KEY = "api-key"
PASSWORD = "password"
SERVICES = {
    "bedrock.amazonaws.com": (API_KEY, "ABSK"),
    "logs.amazonaws.com": (API_KEY, ""),
    "cloudwatch.amazonaws.com": (API_KEY, ""),
    "aws-external-anthropic.amazonaws.com": (API_KEY, ""),
    "codecommit.amazonaws.com": (PASSWORD, ""),
    "cassandra.amazonaws.com": (PASSWORD, ""),
}
#: IAM's quota: service-specific credentials per user per service.
PER_USER_PER_SERVICE = 2
MIN_AGE_DAYS, MAX_AGE_DAYS = 1, 36600
DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS = 100, 1000
ID_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass
class Credential:
    """One service-specific credential as IAM keeps it; the secret is never kept."""

    sequence: int
    credential_id: str
    service_name: str
    login_name: str
    status: str
    create_date: datetime.datetime
    expiration_date: datetime.datetime | None


def install(iam_models) -> None:
    """Adds the five APIs to moto's IAM response class and guards DeleteUser."""
    from moto.iam import exceptions
    from moto.iam import responses as iam_responses
    from moto.moto_api._internal import mock_random as random

    def now() -> datetime.datetime:
        # Looked up at each call: the launcher replaces iam_models.utcnow with a shifted clock.
        return iam_models.utcnow()

    def credentials_of(user) -> list[Credential]:
        if not hasattr(user, "service_specific_credentials"):
            user.service_specific_credentials = []
        return user.service_specific_credentials

    def next_sequence(backend) -> int:
        backend.service_specific_credential_sequence = (
            getattr(backend, "service_specific_credential_sequence", 0) + 1
        )
        return backend.service_specific_credential_sequence

    def canonical_service(name: str) -> str:
        # IAM takes service names in any case and answers with the lowercase one.
        service = (name or "").lower()
        if service not in SERVICES:
            raise exceptions.IAMException(
                "NotSupportedService",
                f"No such service {name} is supported for Service Specific Credentials",
            )
        return service

    def status_of(credential: Credential) -> str:
        if credential.expiration_date is not None and credential.expiration_date <= now():
            return "Expired"
        return credential.status

    def login_fields(credential: Credential) -> dict:
        kind, _ = SERVICES[credential.service_name]
        key = "ServiceCredentialAlias" if kind == API_KEY else "ServiceUserName"
        return {key: credential.login_name}

    def metadata(user_name: str, credential: Credential) -> dict:
        item = {
            "UserName": user_name,
            "Status": status_of(credential),
            **login_fields(credential),
            "CreateDate": credential.create_date,
            "ServiceSpecificCredentialId": credential.credential_id,
            "ServiceName": credential.service_name,
        }
        if credential.expiration_date is not None:
            item["ExpirationDate"] = credential.expiration_date
        return item

    def with_secret(user_name: str, credential: Credential) -> dict:
        kind, prefix = SERVICES[credential.service_name]
        password = "".join(random.choices(SECRET_ALPHABET, k=60))
        item = {
            "CreateDate": credential.create_date,
            "ServiceName": credential.service_name,
            **login_fields(credential),
            "ServiceSpecificCredentialId": credential.credential_id,
            "UserName": user_name,
            "Status": status_of(credential),
        }
        if credential.expiration_date is not None:
            item["ExpirationDate"] = credential.expiration_date
        if kind == API_KEY:
            token = base64.b64encode(f"{credential.login_name}:{password}".encode()).decode()
            item["ServiceCredentialSecret"] = prefix + token
        else:
            item["ServicePassword"] = password
        return item

    def calling_user(response):
        user = response.backend.get_user_from_access_key_id(response.get_access_key())
        if user is None:
            raise exceptions.ValidationError(
                "Must specify userName when calling with non-User credentials"
            )
        return user

    def user_of(response):
        name = response._get_param("UserName")
        return response.backend.get_user(name) if name else calling_user(response)

    def find(user, credential_id: str) -> Credential:
        for credential in credentials_of(user):
            if credential.credential_id == credential_id:
                return credential
        raise exceptions.NoSuchEntity(f"No such credential {credential_id} exists")

    def create_service_specific_credential(self):
        user = self.backend.get_user(self._get_param("UserName"))
        service = canonical_service(self._get_param("ServiceName"))
        age_days = self._get_param("CredentialAgeDays")
        kind, _ = SERVICES[service]
        if age_days is not None:
            if not MIN_AGE_DAYS <= age_days <= MAX_AGE_DAYS:
                bound = "greater than or equal to 1" if age_days < 1 else "less than or equal to 36600"
                raise exceptions.ValidationError(
                    f"1 validation error detected: Value '{age_days}' at 'credentialAgeDays' "
                    f"failed to satisfy constraint: Member must have value {bound}"
                )
            if kind != API_KEY:
                raise exceptions.InvalidInput(
                    f"CredentialAgeDays is only valid for API keys, not for {service}"
                )
        held = [c for c in credentials_of(user) if c.service_name == service]
        if len(held) >= PER_USER_PER_SERVICE:
            raise exceptions.LimitExceededException(
                "Cannot exceed quota for ContextSpecificCredentialsPerUserPerContext: "
                f"{PER_USER_PER_SERVICE}"
            )
        taken = {c.login_name for c in held}
        account = self.current_account
        login_name = next(
            name
            for name in (f"{user.name}-at-{account}", f"{user.name}+1-at-{account}")
            if name not in taken
        )
        created = now()
        credential = Credential(
            sequence=next_sequence(self.backend),
            credential_id="ACCA" + "".join(random.choices(ID_ALPHABET, k=17)),
            service_name=service,
            login_name=login_name,
            status="Active",
            create_date=created,
            expiration_date=None
            if age_days is None
            else created + datetime.timedelta(days=age_days),
        )
        credentials_of(user).append(credential)
        return iam_responses.ActionResult(
            {"ServiceSpecificCredential": with_secret(user.name, credential)}
        )

    def list_service_specific_credentials(self):
        all_users = self._get_param("AllUsers") is True
        if all_users and self._get_param("UserName"):
            raise exceptions.InvalidInput(
                "Cannot list credentials for all users if a username is given"
            )
        service_name = self._get_param("ServiceName")
        service = canonical_service(service_name) if service_name else None
        max_items = self._get_param("MaxItems", DEFAULT_MAX_ITEMS)
        if not 1 <= max_items <= MAX_MAX_ITEMS:
            raise exceptions.ValidationError(
                f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to "
                f"satisfy constraint: Member must have value between 1 and {MAX_MAX_ITEMS}"
            )
        after = decode_marker(self._get_param("Marker"), exceptions)
        users = list(self.backend.users.values()) if all_users else [user_of(self)]
        found = sorted(
            (
                (credential, user.name)
                for user in users
                for credential in credentials_of(user)
                if service is None or credential.service_name == service
            ),
            key=lambda pair: pair[0].sequence,
        )
        rest = [pair for pair in found if pair[0].sequence > after]
        page = rest[:max_items]
        result = {
            "ServiceSpecificCredentials": [metadata(name, c) for c, name in page],
            "IsTruncated": len(rest) > len(page),
        }
        if result["IsTruncated"]:
            result["Marker"] = encode_marker(page[-1][0].sequence)
        return iam_responses.ActionResult(result)

    def update_service_specific_credential(self):
        status = self._get_param("Status")
        if status not in ("Active", "Inactive", "Expired"):
            raise exceptions.ValidationError(
                f"1 validation error detected: Value '{status}' at 'status' failed to satisfy "
                "constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"
            )
        if status == "Expired":
            raise exceptions.InvalidInput(f"Operation does not support status {status}")
        find(user_of(self), self._get_param("ServiceSpecificCredentialId")).status = status
        return iam_responses.EmptyResult()

    def delete_service_specific_credential(self):
        user = user_of(self)
        credentials_of(user).remove(find(user, self._get_param("ServiceSpecificCredentialId")))
        return iam_responses.EmptyResult()

    def reset_service_specific_credential(self):
        user = user_of(self)
        credential = find(user, self._get_param("ServiceSpecificCredentialId"))
        return iam_responses.ActionResult(
            {"ServiceSpecificCredential": with_secret(user.name, credential)}
        )

    response_class = iam_responses.IamResponse
    response_class.create_service_specific_credential = create_service_specific_credential
    response_class.list_service_specific_credentials = list_service_specific_credentials
    response_class.update_service_specific_credential = update_service_specific_credential
    response_class.delete_service_specific_credential = delete_service_specific_credential
    response_class.reset_service_specific_credential = reset_service_specific_credential

    original_delete_user = iam_models.IAMBackend.delete_user

    def delete_user(self, user_name: str) -> None:
        user = self.get_user(user_name)
        if credentials_of(user):
            raise exceptions.DeleteConflictException(
                "Cannot delete entity, must remove referenced objects first."
            )
        original_delete_user(self, user_name)

    iam_models.IAMBackend.delete_user = delete_user


def encode_marker(sequence: int) -> str:
    """An opaque Marker naming the last credential returned (by creation order)."""
    return base64.urlsafe_b64encode(f"ssc:{sequence}".encode()).decode()


def decode_marker(marker: str | None, exceptions) -> int:
    """The creation order after which a page starts: 0 without a Marker."""
    if not marker:
        return 0
    try:
        kind, sequence = base64.urlsafe_b64decode(marker.encode()).decode().split(":")
        if kind != "ssc":
            raise ValueError(kind)
        return int(sequence)
    except (ValueError, UnicodeError) as error:
        raise exceptions.InvalidInput(f"Invalid Marker: {marker[:40]}") from error
