from django.urls import path

from orders import views

urlpatterns = [path("orders/mine", views.my_orders)]
