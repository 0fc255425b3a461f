"""Roles, and which role may call which operation of the API: one table, read by the guard.

The table is keyed by OpenAPI operation id, so a new route is refused to everybody until it is
listed here (fail closed). Which *pupils* a caller may reach within an allowed operation is decided
by ``service.domain.principal``.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"  # class teacher of one or more classes
    DEPUTY = "deputy"  # заместитель директора по УВР
    ARCHIVIST = "archivist"
    DIRECTOR = "director"
    PARENT = "parent"  # legal representative (a guardian too)
    PUPIL = "pupil"


ROLE_TITLES_RU: dict[Role, str] = {
    Role.ADMIN: "администратор",
    Role.TEACHER: "классный руководитель",
    Role.DEPUTY: "заместитель директора по УВР",
    Role.ARCHIVIST: "архивист",
    Role.DIRECTOR: "директор",
    Role.PARENT: "родитель (законный представитель)",
    Role.PUPIL: "обучающийся",
}

A, T, D, R, DIR, P, S = (
    Role.ADMIN,
    Role.TEACHER,
    Role.DEPUTY,
    Role.ARCHIVIST,
    Role.DIRECTOR,
    Role.PARENT,
    Role.PUPIL,
)
EVERYONE = frozenset(Role)
READERS_OF_PUPILS = frozenset({T, D, R, P, S})

# Operations anyone may call without signing in.
PUBLIC_OPERATIONS = frozenset({"getIndex", "getHealth", "signIn", "createToken"})

OPERATION_ROLES: dict[str, frozenset[Role]] = {
    # accounts
    "signOut": EVERYONE,
    "whoAmI": EVERYONE,
    "createUser": frozenset({A}),
    "listUsers": frozenset({A}),
    "getUser": frozenset({A}),
    "updateUser": frozenset({A}),
    "setUserPassword": frozenset({A}),
    # pupils and their documents
    "createStudent": frozenset({T, D}),
    "listStudents": frozenset({A, T, D, R, P, S}),
    "getStudent": frozenset({A, T, D, R, P, S}),
    "uploadDocument": frozenset({T, D}),
    "startUpload": frozenset({T, D}),
    "getUpload": frozenset({T, D}),
    "putUploadPart": frozenset({T, D}),
    "completeUpload": frozenset({T, D}),
    "abortUpload": frozenset({T, D}),
    "recordLeaving": frozenset({D, R}),
    "getStudentRetention": frozenset({D, R}),
    "listStudentDocuments": READERS_OF_PUPILS,
    "getPortfolioPdf": READERS_OF_PUPILS,
    "getPortfolioJob": READERS_OF_PUPILS,
    "getBundleZip": READERS_OF_PUPILS,
    "recordReward": frozenset({T, D}),
    "listRewards": READERS_OF_PUPILS,
    # the record of achievements: class teachers see their classes, the deputy the school
    "getClassRecord": frozenset({T, D}),
    "getGiftedCandidates": frozenset({D}),
    "markMinistryList": frozenset({D}),
    # bulk intake
    "runImport": frozenset({T, D}),
    "getImport": frozenset({T, D}),
    "getImportReportCsv": frozenset({T, D}),
    "getDocument": READERS_OF_PUPILS,
    "getDocumentContent": READERS_OF_PUPILS,
    "getDocumentThumbnail": READERS_OF_PUPILS,
    "editDocument": frozenset({T, D}),
    "linkDocument": frozenset({T, D}),
    "verifyDocument": frozenset({D}),
    "getVerificationQueue": frozenset({D}),
    # applications (заявления) and consents
    "recordApplication": frozenset({T, D}),
    "listApplications": frozenset({T, D, R, P, S}),
    "recordConsent": frozenset({T, D}),
    "withdrawConsent": frozenset({D}),
    "listConsents": frozenset({T, D, R, P, S}),
    # access log and requests for information
    "getAccessLog": frozenset({A, D, R, P}),
    "recordInfoRequest": frozenset({D, P}),
    "listInfoRequests": frozenset({D, P}),
    "extendInfoRequest": frozenset({D}),
    "answerInfoRequest": frozenset({D}),
    # retention: the archivist's work; the director reads and approves acts
    "getNomenclature": frozenset({R, D, DIR}),
    "listNomenclatureVersions": frozenset({R}),
    "uploadNomenclature": frozenset({R}),
    "listCases": frozenset({R}),
    "getCase": frozenset({R}),
    "reviewCase": frozenset({R}),
    "decideDmn": frozenset({R}),
    "getDue": frozenset({R}),
    "getInventory": frozenset({R}),
    "placeHold": frozenset({R}),
    "listHolds": frozenset({R}),
    "releaseHold": frozenset({R}),
    "draftAct": frozenset({R}),
    "listActs": frozenset({R, DIR}),
    "getAct": frozenset({R, DIR}),
    "getActPdf": frozenset({R, DIR}),
    "getPdDestructionPdf": frozenset({R, DIR}),
    "approveAct": frozenset({DIR}),
    "cancelAct": frozenset({R, DIR}),
    "executeAct": frozenset({R}),
}

# The web pages (``service.ui``), not part of the API description: the same rule, fail closed.
# A page only shows what the API operations it mirrors would return to the same caller.
PUBLIC_OPERATIONS = PUBLIC_OPERATIONS | {"uiSignInPage", "uiSignIn", "uiHome"}
STAFF = frozenset({T, D, R, DIR, A})
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "uiSignOut": EVERYONE,
    "uiDashboard": EVERYONE,
    "uiClasses": frozenset({A, T, D, R}),
    "uiClass": frozenset({A, T, D, R}),
    "uiPupil": READERS_OF_PUPILS,
    "uiPupilAccessLog": frozenset({D, R, P}),
    "uiPupilDownload": READERS_OF_PUPILS,
    "uiUploadPage": frozenset({T, D}),
    "uiUpload": frozenset({T, D}),
    "uiDocument": READERS_OF_PUPILS,
    "uiVerificationQueue": frozenset({D}),
    "uiVerify": frozenset({D}),
    "uiNomenclature": frozenset({R, D, DIR}),
    "uiCases": frozenset({R}),
    "uiDue": frozenset({R}),
    "uiHolds": frozenset({R}),
    "uiPlaceHold": frozenset({R}),
    "uiReleaseHold": frozenset({R}),
    "uiActs": frozenset({R, DIR}),
    "uiAct": frozenset({R, DIR}),
    "uiDraftAct": frozenset({R}),
    "uiApproveAct": frozenset({DIR}),
    "uiCancelAct": frozenset({R, DIR}),
    "uiExecuteConfirm": frozenset({R}),
    "uiExecuteAct": frozenset({R}),
    "uiRecords": frozenset({T, D}),
}


def parse_roles(values: object) -> frozenset[Role]:
    """Raises ValueError naming the first unknown role."""
    if not isinstance(values, list | tuple | set | frozenset):
        raise ValueError("roles")
    out = set()
    for v in values:
        try:
            out.add(Role(v))
        except ValueError:
            raise ValueError(str(v)) from None
    return frozenset(out)
