"""A local OpenID Connect provider for the tests and the demo, standing in for a national
identity provider such as GOV.UK One Login: django-oauth-toolkit, configured as One Login
is used (authorization code with PKCE, `private_key_jwt` client authentication, RS256
ID tokens, the `vtr` vectors of trust answered with `vot`). Not part of the platform."""
