"""Keycloak's default password hash parameters (Argon2id, t=5, m=7 MiB, p=1),
for the login figures of `make bench` beside this service's own; never installed
by the service. Same algorithm name, so the seeded hashes verify and are
upgraded to these parameters at the first login, as Django upgrades any hash."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class KeycloakArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 5
    memory_cost = 7168
    parallelism = 1
