"""The API's endpoints: one django-ninja ``Router`` per resource, mounted by ``console.api.api``."""
