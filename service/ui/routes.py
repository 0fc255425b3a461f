"""Every web page handler, for the composition root."""

from __future__ import annotations

from service.ui import pupil_pages, records_pages, retention_pages, session_pages, verification_pages

UI_ROUTES = [
    session_pages.sign_in_page,
    session_pages.sign_in,
    session_pages.sign_out,
    session_pages.dashboard,
    pupil_pages.classes,
    pupil_pages.class_page,
    pupil_pages.pupil_card,
    pupil_pages.document_page,
    pupil_pages.access_log_page,
    pupil_pages.download,
    pupil_pages.upload_page,
    pupil_pages.upload,
    verification_pages.queue,
    verification_pages.decide,
    retention_pages.nomenclature,
    retention_pages.cases,
    retention_pages.due,
    retention_pages.holds,
    retention_pages.place_hold,
    retention_pages.release_hold,
    retention_pages.acts,
    retention_pages.act_page,
    retention_pages.draft_act,
    retention_pages.approve_act,
    retention_pages.cancel_act,
    retention_pages.execute_confirm,
    retention_pages.execute_act,
    records_pages.records,
]
