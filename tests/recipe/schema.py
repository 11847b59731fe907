"""The recipe of docs/applications.md, "Permissions", working: another app of the organisation adds
its own per-user type to the schema and guards its fields with schema.permissions.

Here the per-user model is allauth's EmailAddress (a row that belongs to a user
through its `user` foreign key); an app's own model is used the same way.
"""

import strawberry
import strawberry_django
from allauth.account.models import EmailAddress

from schema.mutations import Mutation
from schema.permissions import HasPerm, IsAuthenticated, IsOwner, IsOwnerOrHasPerm
from schema.queries import Query
from schema.schema import Schema, extensions
from schema.types import User
from users import models


@strawberry_django.type(EmailAddress, name="EmailAddress")
class EmailAddressType:
    id: strawberry.ID
    # Anyone logged in sees that the row exists; only its owner, or staff allowed
    # to view addresses, sees the address; only the owner sees whether it is verified.
    email: str | None = strawberry_django.field(extensions=[IsOwnerOrHasPerm("account.view_emailaddress")])
    verified: bool | None = strawberry_django.field(extensions=[IsOwner()])


@strawberry.type
class RecipeQuery(Query):
    @strawberry_django.field(extensions=[IsAuthenticated()])
    def email_addresses(self) -> list[EmailAddressType]:
        return EmailAddress.objects.order_by("pk")

    @strawberry_django.field(extensions=[HasPerm("account.view_emailaddress")])
    def email_address_count(self) -> int:
        return EmailAddress.objects.count()

    @strawberry.field(description="Any user by id, to show User's own field guards.")
    def user(self, id: strawberry.ID) -> User | None:  # noqa: A002 (GraphQL's argument name)
        return models.User.objects.filter(pk=id).first()


schema = Schema(query=RecipeQuery, mutation=Mutation, extensions=extensions())
