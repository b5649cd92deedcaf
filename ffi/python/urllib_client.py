"""An `HttpClient` for fieldreport over the standard library's urllib (Python has no platform
HTTP client the library could use, so this is the one to pass to `FieldStore.set_http_client`)."""

from .fieldreport import FieldError, HttpClient, HttpResponse


class UrllibHttpClient(HttpClient):
    """Sends fieldreport's requests with urllib (proxies from the environment, the system's
    certificate store for https). urllib cannot abort a request from another thread: a call the
    library cancels (`request.call`) ends on its own (answer or timeout) and its answer is
    dropped."""

    def post(self, request):
        # Imported at the first request, not with the package: urllib.request (http.client,
        # email, ssl) is 2 MB an app with its own client never needs.
        import urllib.error
        import urllib.request

        headers = {"Content-Type": request.content_type}
        if request.bearer_token is not None:
            headers["Authorization"] = "Bearer " + request.bearer_token
        req = urllib.request.Request(request.url, data=bytes(request.body), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=request.timeout_ms / 1000) as resp:
                return HttpResponse(status=resp.status, body=resp.read())
        except urllib.error.HTTPError as e:
            # An error status is still the server's answer: the library reads it.
            return HttpResponse(status=e.code, body=e.read())
        except (urllib.error.URLError, OSError) as e:
            raise FieldError.Unreachable(reason=str(getattr(e, "reason", e)))
