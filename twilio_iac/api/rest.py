"""Twilio's REST vocabulary (list, page, fetch, create, update, delete, JSON
calls) as requests: this module says what to send; sending.py sends it until
it has an answer, and client.py (the HTTP boundary) reads the answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import structlog

from twilio_iac.api import paging, recovery, wire
from twilio_iac.api.call import Call
from twilio_iac.api.sending import Sending
from twilio_iac.api.settings import DEFAULT_BASE_URLS, Settings
from twilio_iac.errors import ConfigError

log = structlog.get_logger(__name__)


class Rest(Sending):
    """The REST calls of TwilioClient; the transport hooks are its own."""

    settings: Settings
    _account_sid: str | None
    _sid_lock: threading.Lock

    def _json(self, response: Any) -> dict:
        raise NotImplementedError

    def _check(self, response: Any) -> None:
        raise NotImplementedError

    @property
    def account_sid(self) -> str:
        """The account SID, asked of the gateway once when it was not configured."""
        with self._sid_lock:
            if self._account_sid is None:
                self._account_sid = self._discover_account_sid()
            return self._account_sid

    def _discover_account_sid(self) -> str:
        body = self.fetch("core", "/2010-04-01/Accounts.json")
        accounts = body.get("accounts") or []
        if not accounts:
            raise ConfigError(
                f"{self.settings.source} gives access to no Twilio account: "
                "connect one, or set TWILIO_ACCOUNT_SID"
            )
        sid: str = accounts[0]["sid"]
        log.debug("account.discovered", account_sid=sid)
        return sid

    def list(
        self,
        api: str,
        path: str,
        list_key: str,
        params: Mapping[str, Any] | None = None,
    ) -> list[dict]:
        """Every item of a collection, following every page."""
        return [
            item for page in self.pages(api, path, list_key, params) for item in page
        ]

    def pages(
        self,
        api: str,
        path: str,
        list_key: str,
        params: Mapping[str, Any] | None = None,
        page_size: int = wire.PAGE_SIZE,
    ) -> Iterator[list[dict]]:
        """A collection page by page, each requested only when the previous
        one has been consumed: a caller that stops early reads no more."""
        for page in self.raw_pages(api, path, list_key, params, page_size):
            yield page()

    def raw_pages(
        self,
        api: str,
        path: str,
        list_key: str,
        params: Mapping[str, Any] | None = None,
        page_size: int = wire.PAGE_SIZE,
    ) -> Iterator[Callable[[], list[dict]]]:
        """A collection page by page, each as a function that decodes it: the
        next page is asked for before this one is decoded (its URL is read
        from the raw body), so a caller can decode one while the next is read.
        """
        query = wire.encode_form({"PageSize": page_size, **(params or {})})
        base, default = self.settings.base_urls[api], DEFAULT_BASE_URLS[api]

        def next_url(body: Mapping[str, Any]) -> str | None:
            return wire.next_page_url(body, base, default)

        def fetch_page(url: str, query: paging.Query) -> paging.Fetched:
            response = self._send_with_retries(Call("GET", url, api, query=query))
            self._check(response)
            return paging.Fetched(response.content, lambda: self._json(response))

        url = self._url(api, path)
        # A generator, as before the split: nothing is read (or checked)
        # until the first page is asked for.
        yield from paging.walk(url, query, fetch_page, list_key, next_url)

    def fetch(
        self, api: str, path: str, params: Mapping[str, Any] | None = None
    ) -> dict:
        query = wire.encode_form(params or {})
        call = Call("GET", self._url(api, path), api, query=query)
        return self._json(self._send_with_retries(call))

    def create(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any],
        *,
        find_existing: Callable[[], dict | None] | None = None,
    ) -> dict:
        """POST a new object. After an ambiguous failure, find_existing() tells
        whether it landed (a dict) or not (None, and the POST is resent)."""
        call = Call(
            "POST",
            self._url(api, path),
            api,
            body=urlencode(wire.encode_form(params)),
            idempotent=False,
            find_existing=find_existing,
        )
        result = self._send_with_retries(call)
        return result if isinstance(result, dict) else self._json(result)

    def update(self, api: str, path: str, params: Mapping[str, Any]) -> dict:
        """POST the full set of changed params: resending it is harmless."""
        body = urlencode(wire.encode_form(params))
        call = Call("POST", self._url(api, path), api, body=body)
        return self._json(self._send_with_retries(call))

    def delete(self, api: str, path: str) -> None:
        call = Call("DELETE", self._url(api, path), api)
        self._check(self._send_with_retries(call))

    def send_json(
        self,
        method: str,
        api: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        maybe_done_hint: str = recovery.MAYBE_CREATED,
    ) -> dict:
        """A call to a JSON API (the gateway's control endpoints). A POST is
        never resent after an ambiguous failure: ``maybe_done_hint`` says what
        to check instead."""
        call = Call(
            method,
            self._url(api, path),
            api,
            query=tuple((query or {}).items()),
            body=None if body is None else json.dumps(body),
            idempotent=method != "POST",
            content_type="application/json",
            maybe_done_hint=maybe_done_hint,
        )
        result = self._send_with_retries(call)
        # None: a retried DELETE found the object already gone.
        return {} if result is None else self._json(result)

    def _url(self, api: str, path: str) -> str:
        return self.settings.base_urls[api] + path
