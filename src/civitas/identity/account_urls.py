from django.urls import path

from civitas.identity import account_views as views

app_name = "account"

# The account's own page, /account/, lists the citizen's applications: cases draws it
# (civitas.cases.account_urls), as identity knows nothing of applications.
urlpatterns = [
    path("create", views.create_account, name="create"),
    path("check-your-email", views.check_your_email, name="check-your-email"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/code", views.enter_code, name="enter-code"),
    path("sign-in/email-link", views.ask_for_sign_in_link, name="ask-sign-in-link"),
    path("sign-in/link/<str:token>/", views.sign_in_by_link, name="sign-in-link"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("sign-out-everywhere", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("keep-alive", views.keep_alive, name="keep-alive"),
    path("timed-out", views.timed_out, name="timed-out"),
    path("reset-password", views.ask_for_reset, name="ask-reset"),
    path("reset-password/<str:token>/", views.reset_password, name="reset"),
    path("two-factor", views.two_factor, name="two-factor"),
    path("password", views.change_password, name="password"),
    path("email", views.change_email, name="email"),
    path("contact", views.contact_preference, name="contact"),
    path("email/confirm/<str:token>/", views.confirm_new_email, name="confirm-email"),
]
