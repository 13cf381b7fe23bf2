from django.urls import path

from civitas.identity import views

app_name = "identity"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/code", views.enter_code, name="enter-code"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("organisation", views.choose_organisation, name="choose-organisation"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]
