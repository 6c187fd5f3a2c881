from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = "Invitations"

    def ready(self):
        from invitations import domain_receivers

        domain_receivers.connect_receivers()
