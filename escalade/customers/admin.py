from django.contrib import admin

from escalade.customers.models import (
    Account,
    Contact,
    ContactEmail,
    ContactPhone,
    Licence,
    Product,
    ProductVersion,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ("number", "name", "segment", "country", "language")
    list_filter = ("segment", "country")
    search_fields = ("number", "search_name")


class PhoneInline(admin.TabularInline[ContactPhone, Contact]):
    model = ContactPhone
    extra = 0


class EmailInline(admin.TabularInline[ContactEmail, Contact]):
    model = ContactEmail
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("__str__", "account", "language", "is_active")
    search_fields = ("search_name", "emails__address", "phones__number")
    raw_id_fields = ("account", "user")
    inlines = [PhoneInline, EmailInline]


class VersionInline(admin.TabularInline[ProductVersion, Product]):
    model = ProductVersion
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ("code", "name", "product_line")
    inlines = [VersionInline]


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin[Licence]):
    list_display = ("pid", "account", "product", "version")
    search_fields = ("pid",)
    raw_id_fields = ("account",)
