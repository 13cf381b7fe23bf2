from django.urls import path

from civitas.ledger import api, tile_api

app_name = "ledger-api"

urlpatterns = [
    path("checkpoint", api.checkpoint, name="checkpoint"),
    path("checkpoint/witnessed", api.witnessed_checkpoint, name="witnessed-checkpoint"),
    path("key", api.key, name="key"),
    path("status", api.status, name="status"),
    path("entries", api.entries, name="entries"),
    path("entries/<str:index>", api.entry, name="entry"),
    path("proofs/inclusion", api.inclusion_proof, name="inclusion-proof"),
    path("proofs/consistency", api.consistency_proof, name="consistency-proof"),
    path("promises/check", api.promise_check, name="promise-check"),
    # C2SP tlog-tiles: tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]
    path("tile/<path:path>", tile_api.tile, name="tile"),
]
