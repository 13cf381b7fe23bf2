"""Each service-definition version published is logged with the hash of its YAML."""

import hashlib
import json

import pytest

from civitas.catalogue.public import publish_service_file
from civitas.ledger.models import Entry
from conftest import PARKING_PERMIT

pytestmark = pytest.mark.django_db


def test_publishing_a_version_logs_the_hash_of_its_yaml_once(organisations):
    publish_service_file(PARKING_PERMIT, published_by="test")
    publish_service_file(PARKING_PERMIT, published_by="test")  # unchanged: nothing new
    [entry] = [json.loads(bytes(row.leaf_data)) for row in Entry.objects.all()]
    assert entry["kind"] == "service.published"
    assert entry["organisation"] == "example-borough"
    assert entry["subject"] is None
    assert entry["payload"] == {
        "service": "resident-parking-permit",
        "version": 1,
        "yaml_sha256": hashlib.sha256(PARKING_PERMIT.read_bytes()).hexdigest(),
    }
