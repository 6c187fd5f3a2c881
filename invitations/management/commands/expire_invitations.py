from django.core.management.base import BaseCommand

from invitations.expiry import invitations_expire_stale


class Command(BaseCommand):
    help = "Mark every Pending invitation past its expiry as Expired (what Celery beat runs)."

    def handle(self, *args, **options):
        count = invitations_expire_stale()
        self.stdout.write(f"Expired {count} invitation{'s' if count != 1 else ''}.")
