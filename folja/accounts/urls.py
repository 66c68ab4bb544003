from django.urls import path

from folja.accounts import views
from folja.accounts.bankid import views as bankid
from folja.accounts.lower import views as lower
from folja.accounts.oidc import views as oidc
from folja.accounts.pupil import views as pupil
from folja.accounts.saml import views as saml
from folja.accounts.sso import views as sso
from folja.accounts.test_eid import views as test_eid

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("login/not-found/", views.not_found, name="not_found"),
    path("login/organisation/", views.choose_organisation, name="choose_organisation"),
    # Guardians without Swedish e-ID (lower level of assurance, docs/sign-in.md).
    path("login/guardian/sms/", lower.sms_start, name="sms_start"),
    path("login/guardian/sms/code/", lower.sms_code, name="sms_code"),
    path("login/guardian/enrolment-code/", lower.enrolment, name="enrolment_sign_in"),
    # A pupil's QR code from a teacher (issue 29, docs/childs-voice.md).
    path("login/child/code/<str:token>/", pupil.pupil_code_sign_in, name="pupil_code_sign_in"),
    path("login/bankid/", bankid.wait, name="bankid_wait"),
    path("login/bankid/status/", bankid.status, name="bankid_status"),
    path("login/bankid/cancel/", bankid.cancel, name="bankid_cancel"),
    path("login/bankid/return/", bankid.returned, name="bankid_return"),
    path("login/oidc/callback/", oidc.callback, name="oidc_callback"),
    path("login/sso/<uuid:sso_uuid>/start/", sso.start, name="sso_start"),
    path("login/sso/<uuid:sso_uuid>/saml/metadata/", saml.metadata, name="saml_metadata"),
    path("login/sso/<uuid:sso_uuid>/saml/acs/", saml.acs, name="saml_acs"),
    path("login/sso/<uuid:sso_uuid>/oidc/callback/", sso.oidc_callback, name="sso_oidc_callback"),
    path("login/<str:role>/", views.login_role, name="login_role"),
    path("login/<str:role>/bankid/", bankid.start, name="bankid_start"),
    path("login/<str:role>/test-e-id/", test_eid.sign_in, name="test_eid"),
    path("login/<str:role>/oidc/<str:method>/", oidc.start, name="oidc_start"),
    path("logout/", views.logout_view, name="logout"),
]
