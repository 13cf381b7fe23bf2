from django.urls import path

from civitas.identity import staff_sso, staff_views, views

app_name = "identity"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/code", views.enter_code, name="enter-code"),
    path("sign-in/organisation/<slug:organisation>/", staff_sso.start, name="single-sign-on"),
    path("sign-in/organisation-return/", staff_sso.finish, name="single-sign-on-return"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("sign-out-everywhere", staff_views.sign_out_from_everywhere, name="sign-out-everywhere"),
    path("keep-alive", staff_views.keep_alive, name="keep-alive"),
    path("timed-out", staff_views.timed_out, name="timed-out"),
    path("invite/<str:secret>", staff_views.accept_invitation, name="accept-invitation"),
    path("two-factor/set-up", staff_views.set_up_second_factor, name="set-up-second-factor"),
    path("people/", staff_views.people, name="people"),
    path("people/<int:user_id>/deactivate", staff_views.deactivate, name="deactivate"),
    path("organisation", views.choose_organisation, name="choose-organisation"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]
