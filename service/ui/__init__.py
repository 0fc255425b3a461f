"""The web pages: server-rendered Russian HTML over the same domain services as the API.

Every page is a route handler with an operation id in ``service.domain.roles.PAGE_ROLES``, so the
app-wide guard authorises it like any API call. Pages work without JavaScript (forms post to
``/ui/...`` with a hidden CSRF field); ``/static/ui.js`` adds per-file upload progress, keyboard
shortcuts and download progress on top.
"""
