"""The Azure CLI's JSON for service principals and role assignments (no server imports).

Shared by the command line and the admin HTTP routes so that both print the same.
"""

from __future__ import annotations

from typing import Any

from dicom_emulator.identity.directory import SUBSCRIPTION, RoleAssignment, ServicePrincipal
from dicom_emulator.identity.users import UserAccount

CREDENTIALS_WARNING = (
    "The output includes credentials that you must protect. Be sure that you do not include "
    "these credentials in your code or check the credentials into your source control.")


def service_principal_json(principal: ServicePrincipal, tenant_id: str,
                           secret: str | None = None) -> dict[str, Any]:
    """``az ad sp create-for-rbac`` output (with ``password`` only when just created)."""
    shown: dict[str, Any] = {"appId": principal.app_id, "displayName": principal.display_name}
    if secret is not None:
        shown["password"] = secret
    shown["tenant"] = tenant_id
    return shown


def role_assignment_json(assignment: RoleAssignment) -> dict[str, Any]:
    """``az role assignment list`` output for one assignment."""
    return {
        "condition": None,
        "conditionVersion": None,
        "createdOn": assignment.created,
        "description": None,
        "id": f"{assignment.scope}/providers/Microsoft.Authorization/roleAssignments/"
              f"{assignment.name}",
        "name": assignment.name,
        "principalId": assignment.principal.object_id,
        "principalName": assignment.principal.app_id,
        "principalType": "ServicePrincipal",
        "roleDefinitionId": f"{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                            f"roleDefinitions/{assignment.role.id}",
        "roleDefinitionName": assignment.role.name,
        "scope": assignment.scope,
        "type": "Microsoft.Authorization/roleAssignments",
    }


def user_json(user: UserAccount, roles: list[str]) -> dict[str, Any]:
    """``az ad user create`` output (the fields the emulator has), with the user's roles."""
    return {"displayName": user.display_name, "id": user.object_id,
            "userPrincipalName": user.user_principal_name, "roles": roles}


def spa_json(principal: ServicePrincipal, tenant_id: str, redirect_uris: list[str]
             ) -> dict[str, Any]:
    """``az ad app create --spa-redirect-uris`` output (the fields the emulator has)."""
    return {"appId": principal.app_id, "displayName": principal.display_name,
            "spa": {"redirectUris": redirect_uris}, "tenant": tenant_id}
