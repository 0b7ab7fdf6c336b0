"""The DICOM service's data actions and its two built-in Azure roles.

The OSS service checks five data actions (``DataActions.cs``); Azure RBAC grants them
through role definitions whose ``dataActions`` are patterns over
``Microsoft.HealthcareApis/workspaces/dicomservices/resources/<action>``. A role grants an
action when one of its patterns matches, so ``resources/*`` (Owner) grants everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

RESOURCES = "Microsoft.HealthcareApis/workspaces/dicomservices/resources"


class DataAction(StrEnum):
    """What a request needs (``Core/Features/Security/DataActions.cs``)."""

    READ = "read"
    WRITE = "write"
    DELETE = "delete"
    MANAGE_EXTENDED_QUERY_TAGS = "manageExtendedQueryTags"
    EXPORT = "export"


@dataclass(frozen=True)
class RoleDefinition:
    """A built-in Azure role, with its GUID and ``dataActions`` patterns."""

    id: str
    name: str
    description: str
    data_actions: tuple[str, ...]

    def grants(self, action: DataAction) -> bool:
        """Whether a principal holding this role may perform ``action``."""
        wanted = f"{RESOURCES}/{action.value}"
        return any(fnmatchcase(wanted, pattern) for pattern in self.data_actions)


DICOM_DATA_OWNER = RoleDefinition(
    id="58a3b984-7adf-4c20-983a-32417c86fbc8",
    name="DICOM Data Owner",
    description="Full access to DICOM data.",
    data_actions=(f"{RESOURCES}/*",),
)
DICOM_DATA_READER = RoleDefinition(
    id="e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a",
    name="DICOM Data Reader",
    description="Read and search DICOM data.",
    data_actions=(f"{RESOURCES}/read",),
)
BUILT_IN_ROLES = (DICOM_DATA_OWNER, DICOM_DATA_READER)


class UnknownRoleError(LookupError):
    """No built-in role has that name or GUID."""

    code = "RoleDefinitionNotFound"
    status_code = 400

    def __init__(self, role: str):
        # The Azure CLI's wording for ``--role`` values it cannot resolve.
        super().__init__(f"Role '{role}' doesn't exist.")


def find_role(name_or_id: str) -> RoleDefinition:
    """The role named ``name_or_id`` (case-insensitive) or with that GUID.

    Like ``az role assignment create --role``, a role definition id path whose last
    segment is the GUID is accepted too.

    Raises
    ------
    UnknownRoleError
        When neither a name nor a GUID matches.
    """
    key = name_or_id.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    for role in BUILT_IN_ROLES:
        if key in (role.name.lower(), role.id):
            return role
    raise UnknownRoleError(name_or_id)


def role_by_id(role_id: str) -> RoleDefinition:
    """The built-in role with GUID ``role_id`` (as stored in the directory)."""
    for role in BUILT_IN_ROLES:
        if role.id == role_id:
            return role
    raise UnknownRoleError(role_id)
