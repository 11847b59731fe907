"""allauth.idp.oidc's pages, as this service writes them (provider/templates/idp),
speak the page's language like the hosted login does."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path, french",
    [("/device", "Connecter un appareil"), ("/identity/o/logout", "Se déconnecter de gql-auth ?")],
)
def test_the_providers_own_pages_speak_french(signed_in_browser, path, french):
    page = signed_in_browser.get(path, {"lang": "fr"}).content.decode()
    assert french in page and '<html lang="fr">' in page
    assert french not in signed_in_browser.get(path, {"lang": "en"}).content.decode()
