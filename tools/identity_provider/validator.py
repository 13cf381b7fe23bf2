"""django-oauth-toolkit's validator with what a One Login relying party relies on:
`private_key_jwt` client authentication (RFC 7523) as the only way to the token endpoint,
and the `vtr` asked for answered with the `vot` the person meets."""

import json
import time

from django.conf import settings
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The `vtr` kept with the authorization code, in the grant's claims.
VTR_KEY = "_vtr"


class Validator(OAuth2Validator):
    # Claims are given by scope: the vector of trust comes with `openid`, as One Login's.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "vot": "openid"}

    def client_authentication_required(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return True

    def authenticate_client(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if request._params.get("client_assertion_type") != JWT_BEARER:
            return False
        assertion = request._params.get("client_assertion") or ""
        try:
            client_id = json.loads(_payload(assertion))["iss"]
            public_key = RSAKey.import_key(settings.CLIENTS[client_id]["public_key"])
            token = jwt.decode(assertion, public_key, algorithms=["RS256", "PS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": client_id},
                sub={"essential": True, "value": client_id},
                aud={"essential": True, "value": f"{settings.ISSUER}/token/"},
                exp={"essential": True},
                jti={"essential": True},
            ).validate(token.claims)
        except (KeyError, ValueError, TypeError, JoseError):
            return False
        # Each assertion once (RFC 7523, 3): a replayed one is refused.
        if not cache.add(
            f"jti:{token.claims['jti']}", 1, timeout=max(token.claims["exp"] - int(time.time()), 1)
        ):
            return False
        application = get_application_model().objects.filter(client_id=client_id).first()
        if application is None:
            return False
        request.client = application
        request.client_id = client_id
        return True

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        vtr = request._params.get("vtr")
        if vtr:
            request.claims = {**(request.claims or {}), VTR_KEY: vtr}
        return super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def get_additional_claims(self, request):  # type: ignore[no-untyped-def]
        person = settings.PEOPLE.get(request.user.username, {})
        claims = {"email": request.user.username, "email_verified": True}
        asked = json.loads((request.claims or {}).get(VTR_KEY) or '["Cl.Cm"]')
        # The strongest vector asked that the person meets; an identity level they have
        # not proved is not given, and the relying party is told the lower one.
        met = [vector for vector in asked if _meets(vector, person.get("identity", "P0"))]
        claims["vot"] = "Cl.Cm" if not met else max(met, key=len).removesuffix(".P0")
        return claims


def _meets(vector: str, proved: str) -> bool:
    parts = vector.split(".")
    level = next((part for part in parts if part.startswith("P")), "P0")
    return int(level[1:]) <= int(proved[1:])


def _payload(token: str) -> str:
    import base64

    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
