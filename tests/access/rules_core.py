"""Access rules of change_portal's own routes."""

from tests import factories
from tests.access import ANY_USER, PUBLIC, Rule, roles

ADMIN = roles("admin")
OPERATOR = roles("operator")

RULES = {
    "core.index": Rule(PUBLIC, tenant=False),
    "core.home": Rule(ANY_USER, tenant=False),
    "core.set_language": Rule(PUBLIC, tenant=False, form={"lang": "en"}),
    "core.accessibility": Rule(PUBLIC, tenant=False),
    "core.healthz": Rule(PUBLIC, tenant=False),
    "accounts.login": Rule(PUBLIC, tenant=False),
    "accounts.logout": Rule(PUBLIC, tenant=False),
    "accounts.account": Rule(ANY_USER, tenant=False),
    "accounts.change_password": Rule(ANY_USER, tenant=False),
    "accounts.my_data": Rule(ANY_USER, tenant=False),
    "accounts.my_data_json": Rule(ANY_USER, tenant=False),
    "accounts.my_data_csv": Rule(ANY_USER, tenant=False),
    "accounts.accept_invitation": Rule(PUBLIC, tenant=False),
    "accounts.forgotten_password": Rule(PUBLIC, tenant=False),
    "accounts.reset_password": Rule(PUBLIC, tenant=False),
    "accounts.switch_membership": Rule(ANY_USER, tenant=False),
    "admin.index": Rule(ADMIN),
    "admin.users": Rule(ADMIN),
    "admin.invite_user": Rule(ADMIN),
    "admin.edit_user": Rule(ADMIN),
    "admin.deactivate_user": Rule(ADMIN),
    "admin.reactivate_user": Rule(ADMIN),
    "admin.resend_invitation": Rule(ADMIN),
    "admin.erase_user": Rule(ADMIN, form={"confirm": "oui"}),
    "admin.services_list": Rule(ADMIN),
    "admin.edit_service": Rule(ADMIN),
    "admin.delete_service": Rule(ADMIN),
    "admin.audit_log": Rule(ADMIN),
    "admin.import_users": Rule(ADMIN),
    "admin.confirm_import_users": Rule(ADMIN),
    "admin.import_users_report": Rule(ADMIN),
    "admin.import_users_template": Rule(ADMIN),
    "admin.import_services_template": Rule(ADMIN),
    "admin.import_services": Rule(ADMIN),
    "admin.confirm_import_services": Rule(ADMIN),
    "platform.organisations": Rule(OPERATOR, tenant=False),
    "platform.new_organisation": Rule(OPERATOR, tenant=False),
    "platform.organisation": Rule(OPERATOR, tenant=False),
    "platform.organisation_profile": Rule(OPERATOR, tenant=False),
}


def objects(org, users) -> dict:
    """URL parameter values for rows owned by `org`."""
    service = factories.create_service(org)
    target = factories.create_user(org, ["agent"], password=None, service=service)
    return {
        "user_id": target.id,
        "service_id": factories.create_service(org).id,
        "org_id": org.id,
        "token": "not-a-valid-token",
    }
