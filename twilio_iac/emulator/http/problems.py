"""Twilio error bodies the emulator answers with, and the codes it uses.

Codes come from Twilio's error dictionary (https://www.twilio.com/docs/errors/<code>);
the comment next to each says what the dictionary entry is titled, or why a
generic code stands in where no specific one could be found.
"""

from __future__ import annotations

from typing import Any

AUTHENTICATE = 20003  # "Permission Denied"; real 401 bodies say "Authenticate"
NOT_FOUND = 20404  # "Not Found"
TOO_MANY_REQUESTS = 20429  # "Too Many Requests": over the concurrency limit
METHOD_NOT_ALLOWED = 20004  # "Method not allowed"
# "Unknown parameters": real Twilio only warns and ignores them. The emulator
# rejects them, and uses the same code for missing or malformed v2010 params,
# as real Twilio does for "Missing required parameter X in the post body".
INVALID_PARAMETER = 20001
VERIFY_INVALID_PARAMETER = 60200  # "Invalid parameter" (Verify)
INVALID_METHOD = 21403  # "Invalid Method": a *Method param other than GET/POST
PHONE_NUMBER_INVALID = 21421  # "Phone Number is invalid"
PHONE_NUMBER_UNAVAILABLE = 21422  # "PhoneNumber is not available"
INVALID_AREA_CODE = 21451  # "Invalid area code"
# Test-credentials docs: "This area code doesn't have any available phone numbers."
NO_NUMBERS_IN_AREA_CODE = 21452
# Twilio prefers 21218 ("Invalid ApplicationSid") for a TwiML app that is not found.
INVALID_APPLICATION_SID = 21218
# "Invalid Address SID": the SID is malformed or not an Address of this account.
INVALID_ADDRESS_SID = 22109
# No dictionary entry for "address still used by a number" was found; 400 is
# the dictionary's generic "Bad Request".
ADDRESS_IN_USE = 400
# "Address cannot be validated" (the Addresses docs: an address that does not
# pass validation "is not accepted … and error code 21628 is returned").
ADDRESS_NOT_VALID = 21628
# The Queue docs: "Each Queue needs to have a unique friendly name within an
# account"; no dictionary entry for the refusal was found, so the generic 400.
QUEUE_NAME_TAKEN = 400


class ApiProblem(Exception):
    """A request the emulator refuses, carrying Twilio's error body fields."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details  # Studio's 81022 lists each widget's problem here

    def body(self) -> dict[str, Any]:
        body = error_body(self.status, self.code, self.message)
        return body if self.details is None else {**body, "details": self.details}


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def not_found(path: str) -> ApiProblem:
    return ApiProblem(404, NOT_FOUND, f"The requested resource {path} was not found")


# Where a user reads what the sandbox serves (docs/sandbox.md's section title).
EMULATED_SECTION = 'docs/sandbox.md, "What the sandbox emulates"'


def not_emulated(method: str, path: str) -> ApiProblem:
    """A path no product serves: Twilio's 404 body, saying why, so that it is
    not mistaken for a wrong SID (a missing record keeps not_found's message)."""
    return ApiProblem(
        404,
        NOT_FOUND,
        f"The sandbox does not emulate {method} {path}; see {EMULATED_SECTION}",
    )


def bad_request(code: int, message: str) -> ApiProblem:
    return ApiProblem(400, code, message)
