from django.urls import path

from civitas.identity import staff_sso, views

app_name = "identity"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/code", views.enter_code, name="enter-code"),
    path("sign-in/organisation/<slug:organisation>/", staff_sso.start, name="single-sign-on"),
    path("sign-in/organisation-return/", staff_sso.finish, name="single-sign-on-return"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("organisation", views.choose_organisation, name="choose-organisation"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]
