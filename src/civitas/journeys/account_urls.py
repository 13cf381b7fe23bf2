from django.urls import path

from civitas.journeys import returning

app_name = "saved"

# Under /account/: a signed-in citizen's saved answers (the account page links here).
urlpatterns = [
    path("saved", returning.saved_for_account, name="list"),
    path("saved/<uuid:saved_id>/", returning.continue_saved, name="continue"),
]
