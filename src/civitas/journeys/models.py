from django.db import models

from civitas.platform.crypto import EncryptedTextField


class Upload(models.Model):
    """A file a citizen uploaded in a journey not yet submitted (journeys/uploads.py).

    The file itself is sealed on disk under UPLOAD_ROOT (platform.files.store), named by
    the token; the journey's answer is the token. On submission the case takes the file
    over and this row goes; a journey never submitted loses it to the periodic sweep.
    """

    token = models.CharField(max_length=32, unique=True)
    service_path = models.CharField(max_length=120)
    question_id = models.CharField(max_length=40)
    # A file's name can say whose it is ("Jane Smith passport.pdf").
    file_name = EncryptedTextField(bound_to="token")
    kind = models.CharField(max_length=10)
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.token
