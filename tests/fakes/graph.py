"""A local fake of Meta's Graph API as herald's publishers use it: photo
posts on a Facebook Page and single-image Instagram publishing (api-notes
section 2). Binds 127.0.0.1 on a free port, prints the port, serves until
killed. It never touches the internet: it fetches only http:// URLs on
127.0.0.1 or localhost (redirects too), without proxies.
usage: graph.py [--media-dir DIR] VERSION PAGE_ID IG_USER_ID TOKEN
  (e.g. v26.0 1234 1789 EAA..). With --media-dir DIR (or GRAPH_MEDIA_DIR=DIR
  in the environment) every photo a Facebook post or an Instagram container
  took is written to DIR/<photo_sha256>.jpg (.png, .gif, .tiff, .heif,
  .webp for the others), the bytes as received; /_reset leaves DIR alone.

Paths start with /VERSION/ (else 400 code 100 "Unsupported request"); "me"
is PAGE_ID. Parameters come in the query or a POST body, form-urlencoded or
multipart/form-data (the "source" part is a file; chunked bodies are
refused). The token is "Authorization: Bearer <token>" ("OAuth <token>"
too) or the access_token parameter: none is 400 code 104, another 400 code
190. Errors have Graph's shape {"error": {"message", "type", "code",
"error_subcode" (when any), "error_user_title", "error_user_msg" (some),
"is_transient", "fbtrace_id"}} and an x-fb-trace-id header. JSON answers
escape "/" as "\\/", as Graph does. A field a node does not have in fields=
is 400 code 100 "Tried accessing nonexisting field (f) on node type (T)".

POST /{page}/photos  url= (fetched) or multipart source; caption=. Not
     fetched, empty, or not JPEG, PNG, GIF, TIFF, HEIF or WebP by its magic
     bytes: 400 code 324; over 4 MiB: 400 code 100/1366046; published=false:
     400 code 100 (this fake only publishes).
     -> {"id": photo-id, "post_id": "<PAGE_ID>_<n>"}
GET  /{page}/posts (or /feed)  fields= of id, message, created_time,
     permalink_url, status_type, is_published (default created_time,message,
     id); since=, until= (unix s, inclusive); limit= (25, at most 100);
     after= -> {"data": [newest first], "paging": {"cursors": {"before",
     "after"}, "next" (when there are more)}}
GET  /{post-id} (PagePost), /{photo-id} (Photo: id, name, created_time, link,
     page_story_id), /{ig-media-id} (ShadowIGMedia: id, caption, media_type,
     media_product_type, permalink, shortcode, timestamp, username)
POST /{ig-user}/media  image_url= (fetched; failed or empty: 400 code
     9004/2207052), caption= (over 2,200 characters, 30 hashtags or 20 @
     tags: 36004/2207010), media_type=IMAGE only; then the photo as
     Instagram checks it (media.py reads its header, in this order): over
     8 MiB 36000/2207004; not a JPEG (PNG, anything else), or a JPEG whose
     markers do not lead to a SOF0, SOF1 or SOF2: 36001/2207005 "The image
     format is not supported."; width/height outside 4:5..1.91:1 (bounds
     included, exact) 36003/2207009 "The aspect ratio is not supported.";
     under 320 px wide 36001/2207005 "The image resolution is not
     supported." (Meta documents no code for that one: this fake's
     choice). Width and height are as Instagram displays the photo: a JPEG
     with Exif orientation 5..8 is measured rotated. Over 1440 px wide is
     accepted (Instagram scales it down: photo_scaled_down in /_stats).
     -> {"id": container-id}. A container answers IN_PROGRESS to
     ready_after status checks (default 1), then FINISHED (ready_after 0:
     FINISHED at once); EXPIRED 24 h after its creation unless published.
GET  /{ig-user}/media  fields= of the media fields below; limit= (25, at
     most 100) -> {"data": [the account's media, newest first]}
GET  /{container-id}?fields=status_code,status -> {"status_code", "status",
     "id"}; every GET of a container is a status check.
POST /{ig-user}/media_publish  creation_id= -> {"id": ig-media-id}.
     IN_PROGRESS or ERROR: 400 code 9007/2207027 "Media ID is not available";
     PUBLISHED or EXPIRED: 400 code 24/2207008 "The media builder does not
     exist or has expired" (Meta's docs call 2207008 transient: a publisher
     that re-sends a publish whose answer was lost must check the container
     first); unknown id: 400 code 24/2207006; quota used: 400 code 9/2207042.
GET  /{ig-user}/content_publishing_limit  fields= of quota_usage (default),
     config; since= -> {"data": [{"quota_usage": IG posts in the last 24 h,
     "config": {"quota_total", "quota_duration": 86400}}]}

Faults: POST /_faults with a JSON list of "<endpoint>:<fault>[*<n>]";
endpoint is fb_photo, fb_posts (the listing a publisher's check reads),
ig_media, ig_status (every GET of a container: polls and checks), ig_publish,
ig_limit, ig_list (the GET of {ig-user}/media), permalink (a GET of a post,
photo or IG media) or "*" (any request); "*<n>" (1..1000) queues the fault n
times, so the next n such requests get it and the one after is answered
normally. A request whose path and token are good takes the first queued
fault for its endpoint or "*" (a 104 or 190 never spends one). A bad entry
queues nothing (400).
  any endpoint, and "*":
    pass             no fault
    slow:<s>         waits <s> seconds (a fraction is fine), then answers
                     as with no fault (a slow Graph, for a kill mid-call)
    500              HTTP 500 code 2 "(#2) Service temporarily unavailable",
                     is_transient true
    unknown          HTTP 500 code 1/99 "An unknown error has occurred.",
                     is_transient false (as Meta sends it)
    503_html         HTTP 503, an HTML body
    429:<s>          Graph's throttling, as throttle:4 (<s> is ignored:
                     Graph sends no Retry-After)
    http429:<s>      HTTP 429, Retry-After: <s>, an HTML body (a proxy)
    throttle:<code>[:<minutes>]  code 4 (HTTP 403, X-App-Usage), 17, 32, 613
                     or 80000..80014 (X-Business-Use-Case-Usage with
                     estimated_time_to_regain_access <minutes>, default 5),
                     HTTP 400 but for 4, is_transient true
    timeout          no side effect, no answer: waits timeout_s (30 s), then
                     closes the connection
    garbage          HTTP 200 application/json, bytes that are not JSON; no
                     side effect
    expired_token    HTTP 400 code 190/463 "Error validating access token:
                     Session has expired on ..."
    permission       HTTP 403 code 200 "(#200) Permissions error"
    echo_token       HTTP 400 code 190 "Malformed access token <the token
                     it was sent>" (Graph quotes a token it cannot use)
  fb_photo, ig_publish: publish_then_timeout (publishes, then as timeout),
    publish_then_500 (publishes, then as 500); if the publish itself fails,
    its error is the answer
  fb_photo: duplicate (400 code 506 "(#506) Duplicate status message"),
    fetch_failed (400 code 324 "(#324) Missing or invalid image file", what
    Meta answers when it could not fetch the url= or read the upload; no
    post)
  ig_publish: limit (400 code 9/2207042)
  ig_status (a PUBLISHED, ERROR or EXPIRED container ignores them):
    in_progress:<n> (this check and the next n-1 say IN_PROGRESS, then
    FINISHED), error (goes ERROR: "Error: Media upload has failed with error
    code 2207001"), expired (goes EXPIRED)
  ig_limit: quota_full (quota_usage answered = quota_total)

Control, no token: POST /_reset (everything back to the start, config too);
POST /_config {any of "ready_after": 1, "quota_total": 50, "timeout_s": 30,
"clock_offset_s": 0 (added to the fake's clock: 90000 ages everything past
24 h), "token_expired": false (true: every request gets 190/463)};
GET /_stats -> {"requests": {endpoint or "other": count of all requests,
  refused ones too}, "fb_posts": [{id (the post id), photo_id, caption,
  created_time, permalink_url, source ("url"|"upload"), PHOTO}] (oldest
  first), "ig_containers": [{id, status_code, caption, created_time, PHOTO,
  photo_scaled_down}] (oldest first), "ig_posts": [{id, container_id,
  caption, created_time, shortcode, permalink, PHOTO, photo_scaled_down}],
  "containers": {id: status_code}, "last": {endpoint: the last request's
  parameters without the token, a file as {filename, content_type, bytes},
  "_token_in": "header"|"query"|"body"|"none", "_fetch_error": why an image
  fetch failed, "_photo": PHOTO of the photo it fetched or was sent,
  refused or not, "_media_error": why a JPEG's header could not be read},
  "faults": [still queued], "config": {...}}
  PHOTO is photo_bytes, photo_type ("jpeg"|"png"|"gif"|"tiff"|"heif"|
  "webp"), photo_sha256, photo_width and photo_height (pixels as stored,
  null when not read), photo_progressive (a JPEG's SOF2 or a PNG's Adam7
  interlace: true; SOF0/SOF1 or not interlaced: false; else null),
  photo_orientation (the Exif Orientation as written, null when none);
  a post's or container's has photo_file too with --media-dir (the path
  its bytes were written to).
"""
import base64
import hmac
import http.server
import itertools
import json
import math
import os
import re
import secrets
import socketserver
import sys
import threading
import time
import traceback
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import media  # noqa: E402 (tests/fakes/media.py)

ARGS, MEDIA_DIR = sys.argv[1:], os.environ.get("GRAPH_MEDIA_DIR") or None
if ARGS[:1] == ["--media-dir"] and len(ARGS) > 1:
    MEDIA_DIR, ARGS = ARGS[1], ARGS[2:]
if len(ARGS) != 4:
    sys.exit("usage: graph.py [--media-dir DIR] VERSION PAGE_ID IG_USER_ID "
             "TOKEN")
VERSION, PAGE_ID, IG_USER_ID, TOKEN = ARGS
if MEDIA_DIR:
    os.makedirs(MEDIA_DIR, exist_ok=True)
ENDPOINTS = ("fb_photo", "fb_posts", "ig_media", "ig_status", "ig_publish",
             "ig_limit", "ig_list", "permalink", "other")
DEFAULTS = {"ready_after": 1, "quota_total": 50, "timeout_s": 30,
            "clock_offset_s": 0, "token_expired": False}
FAULTS = r"pass|slow:\d+(\.\d+)?|500|unknown|503_html|timeout|garbage|" \
    r"expired_token|permission|echo_token|(http)?429:\d+|" \
    r"throttle:(4|17|32|613|800(0\d|1[0-4]))(:\d+)?"
ONLY = {"fb_photo": "publish_then_timeout|publish_then_500|duplicate|"
                    "fetch_failed",
        "ig_publish": "publish_then_timeout|publish_then_500|limit",
        "ig_status": "in_progress:[1-9][0-9]*|error|expired",
        "ig_limit": "quota_full"}
STATUS = {"IN_PROGRESS": "In Progress: Media is still being processed.",
          "FINISHED": "Finished: Media has been uploaded and it is ready to "
                      "be published.",
          "PUBLISHED": "Published: Media has been successfully published.",
          "ERROR": "Error: Media upload has failed with error code 2207001",
          "EXPIRED": "Expired: Media was not published within 24 hours."}
BUC = {80000: "ads_insights", 80001: "pages", 80002: "instagram",
       80003: "custom_audience", 80004: "ads_management", 80005: "leadgen",
       80006: "messenger", 80008: "whatsapp_business_management",
       80009: "catalog_management", 80014: "catalog_batch"}
MAX_BODY, FB_MAX, DAY = 64 << 20, 4 << 20, 86400
lock = threading.Lock()
seq = itertools.count(1)
S = {}


def reset():
    S.update(config=dict(DEFAULTS), faults=[], objects={}, fb_posts=[],
             ig_posts=[], requests=dict.fromkeys(ENDPOINTS, 0), last={})


def now():
    return int(time.time() + S["config"]["clock_offset_s"])


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(t))


class GraphError(Exception):
    """A Graph error answer; user holds error_user_title/error_user_msg."""

    def __init__(self, status, code, message, subcode=None, transient=False,
                 kind="OAuthException", headers=(), **user):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.subcode, self.transient, self.kind = subcode, transient, kind
        self.headers, self.user = list(headers), user

    def body(self):
        e = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            e["error_subcode"] = self.subcode
        e.update(self.user)
        e["is_transient"] = self.transient
        e["fbtrace_id"] = secrets.token_urlsafe(8)[:11]
        return {"error": e}


def bad_param(message, subcode=None):
    return GraphError(400, 100, "(#100) " + message, subcode)


def no_object(method, oid):
    return GraphError(
        400, 100, "Unsupported %s request. Object with ID '%s' does not "
        "exist, cannot be loaded due to missing permissions, or does not "
        "support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api"
        % (method.lower(), oid), 33, kind="GraphMethodException")


def auth_error(code, message, subcode=None, why="invalid_token"):
    return GraphError(400, code, message, subcode, headers=[(
        "WWW-Authenticate", 'OAuth "Facebook Platform" "%s" "%s"'
        % (why, message))])


def expired_token():
    fmt, t = "%A, %d-%b-%y %H:%M:%S PST", now() - 8 * 3600
    return auth_error(190, "Error validating access token: Session has "
                      "expired on %s. The current time is %s." % (
                          time.strftime(fmt, time.gmtime(t - 3600)),
                          time.strftime(fmt, time.gmtime(t))), 463)


def throttle(code, minutes):
    usage = {"call_count": 100, "total_cputime": 20, "total_time": 25}
    if code == 4:
        return GraphError(403, 4, "(#4) Application request limit reached",
                          transient=True,
                          headers=[("X-App-Usage", json.dumps(usage))])
    if code < 80000:
        return GraphError(400, code, {
            17: "(#17) User request limit reached",
            32: "(#32) Page request limit reached",
            613: "(#613) Calls to this api have exceeded the rate limit."}[
                code], transient=True)
    what = {80001: "to this Page account", 80002: "to this Instagram "
            "account"}.get(code, "for this business use case")
    usage.update(type=BUC.get(code, "business_use_case"),
                 estimated_time_to_regain_access=minutes)
    owner = IG_USER_ID if code == 80002 else PAGE_ID
    return GraphError(
        400, code, "(#%d) There have been too many calls %s. Wait a bit and "
        "try again. For more info, please refer to https://developers."
        "facebook.com/docs/graph-api/overview/rate-limiting." % (code, what),
        transient=True, headers=[("X-Business-Use-Case-Usage",
                                  json.dumps({owner: [usage]}))])


def fault_error(fault):
    """The GraphError an error fault answers with, or None."""
    if fault == "500":
        return GraphError(500, 2, "(#2) Service temporarily unavailable",
                          transient=True)
    if fault == "unknown":
        return GraphError(500, 1, "An unknown error has occurred.", 99)
    if fault.startswith("429:"):
        return throttle(4, 0)
    if fault.startswith("throttle:"):
        f = fault.split(":")
        return throttle(int(f[1]), int(f[2]) if len(f) > 2 else 5)
    if fault == "expired_token":
        return expired_token()
    if fault == "permission":
        return GraphError(403, 200, "(#200) Permissions error")
    return None


def take_fault(endpoint):
    with lock:
        for i, (ep, fault) in enumerate(S["faults"]):
            if ep in (endpoint, "*"):
                return S["faults"].pop(i)[1]
    return ""


def fetch(url, endpoint):
    """The photo at url as Meta would fetch it, or None (the reason goes to
    the endpoint's last request in /_stats)."""
    data, why = media.fetch(url, MAX_BODY)
    if why is not None:
        with lock:
            S["last"].setdefault(endpoint, {})["_fetch_error"] = why
    return data


def received(endpoint, data):
    """What the photo is (media.inspect), noted in the endpoint's last
    request in /_stats."""
    info = media.inspect(data)
    with lock:
        last = S["last"].setdefault(endpoint, {})
        last["_photo"] = public(info)
        if "_why" in info:
            last["_media_error"] = info["_why"]
    return info


def keep(data, info):
    """The photo's record for a post or a container (written to the media
    directory when there is one)."""
    info = public(info)
    if MEDIA_DIR:
        info["photo_file"] = media.save(MEDIA_DIR, data, info)
    return info


def expire(c):
    if c["status_code"] in ("IN_PROGRESS", "FINISHED") and \
            now() - c["_t"] >= DAY:
        c["status_code"] = "EXPIRED"


def view(obj):
    """(node type, default fields, {field: value, None if absent})."""
    k = obj["kind"]
    if k == "fb_post":
        return "PagePost", ["created_time", "message", "id"], {
            "id": obj["id"], "message": obj["caption"] or None,
            "created_time": obj["created_time"],
            "permalink_url": obj["permalink_url"],
            "status_type": "added_photos", "is_published": True}
    if k == "fb_photo":
        p = obj["post"]
        return "Photo", ["created_time", "name", "id"], {
            "id": p["photo_id"], "name": p["caption"] or None,
            "created_time": p["created_time"], "page_story_id": p["id"],
            "link": "https://www.facebook.com/photo.php?fbid=" + p["photo_id"]}
    if k == "container":
        return "ShadowIGMediaBuilder", ["id"], {
            "id": obj["id"], "status_code": obj["status_code"],
            "status": STATUS[obj["status_code"]]}
    return "ShadowIGMedia", ["id"], {
        "id": obj["id"], "caption": obj["caption"] or None,
        "media_type": "IMAGE", "media_product_type": "FEED",
        "permalink": obj["permalink"], "shortcode": obj["shortcode"],
        "timestamp": obj["created_time"], "username": "herald_fake"}


def select(params, node, default, values, with_id=True):
    """The fields asked for (or the default ones) of values."""
    names = default
    if "fields" in params:
        names = [f.strip() for f in params["fields"].split(",") if f.strip()]
    for n in names:
        if n not in values:
            raise bad_param("Tried accessing nonexisting field (%s) on node "
                            "type (%s)" % (n, node))
    out = {n: values[n] for n in names if values[n] is not None}
    if with_id:
        out.setdefault("id", values["id"])  # Graph always adds the id
    return out


def number(params, name, default, high=None):
    try:
        v = int(params.get(name, default))
        assert v >= 0
    except (ValueError, AssertionError):
        raise bad_param("Param %s must be a non-negative integer" % name) \
            from None
    return min(v, high) if high else v


def public(d):
    return {k: v for k, v in d.items() if k != "kind" and k[0] != "_"}


def fb_photo(params, files, fault, path):
    if fault == "duplicate":
        raise GraphError(400, 506, "(#506) Duplicate status message")
    if fault == "fetch_failed":
        raise GraphError(400, 324, "(#324) Missing or invalid image file")
    if "source" in files:
        data, how = files["source"]["data"], "upload"
    elif params.get("url"):
        data, how = fetch(params["url"], "fb_photo"), "url"
    else:
        raise GraphError(400, 324, "(#324) Requires upload file")
    info = received("fb_photo", data) if data else None
    if info is None or info["photo_type"] is None:
        raise GraphError(400, 324, "(#324) Missing or invalid image file")
    if len(data) > FB_MAX:
        raise bad_param("Your photos couldn't be uploaded. Photos should be "
                        "less than 4 MB and saved as JPG, PNG, GIF, TIFF, "
                        "HEIF or WebP files.", 1366046)
    if params.get("published", "true").lower() in ("false", "0"):
        raise bad_param("This fake only publishes (published=false is not "
                        "supported)")
    photo = keep(data, info)
    with lock:
        k, t = next(seq), now()
        n = "1229%014d" % k
        post = dict(kind="fb_post", id=PAGE_ID + "_" + n,
                    photo_id="1221%014d" % k,
                    caption=params.get("caption", ""),
                    created_time=iso(t), permalink_url="https://www.facebook"
                    ".com/%s/posts/%s" % (PAGE_ID, n), source=how,
                    **photo, _t=t)
        S["fb_posts"].append(post)
        S["objects"][post["photo_id"]] = {"kind": "fb_photo", "post": post}
        S["objects"][post["id"]] = post
    return {"id": post["photo_id"], "post_id": post["id"]}


def fb_posts(params, files, fault, path):
    since, until = number(params, "since", 0), number(params, "until", 1 << 62)
    limit = number(params, "limit", 25, 100)
    with lock:
        posts = [p for p in reversed(S["fb_posts"])
                 if since <= p["_t"] <= until]
        start = 0
        if params.get("after"):
            try:
                after = base64.urlsafe_b64decode(params["after"]).decode()
                start = [p["id"] for p in posts].index(after) + 1
            except ValueError:  # bad base64, not UTF-8, or no such post
                raise bad_param("Invalid cursor") from None
        page = posts[start:start + limit]
        data = [select(params, *view(p)) for p in page]
    if not page:
        select(params, *view(dict(kind="fb_post", id="", caption="",
                                  created_time="", permalink_url="")))
        return {"data": []}

    def cursor(p):
        return base64.urlsafe_b64encode(p["id"].encode()).decode()
    paging = {"cursors": {"before": cursor(page[0]),
                          "after": cursor(page[-1])}}
    if start + len(page) < len(posts):
        paging["next"] = "http://127.0.0.1:%d%s?%s" % (
            PORT, path, urllib.parse.urlencode(
                dict(params, limit=limit, after=cursor(page[-1]))))
    return {"data": data, "paging": paging}


def ig_list(params, files, fault, path):
    """The account's media, newest first (no paging: limit, at most 100)."""
    limit = number(params, "limit", 25, 100)
    with lock:
        page = list(reversed(S["ig_posts"]))[:limit]
        data = [select(params, *view(m)) for m in page]
    return {"data": data}


def ig_media(params, files, fault, path):
    if params.get("media_type", "IMAGE") != "IMAGE":
        raise bad_param("The media type is unknown (this fake takes single "
                        "images only)", 2207023)
    url, caption = params.get("image_url"), params.get("caption", "")
    if not url:
        raise bad_param("The parameter image_url is required")
    if len(caption) > 2200 or len(re.findall(r"#\w", caption)) > 30 or \
            len(re.findall(r"@\w", caption)) > 20:
        raise GraphError(400, 36004, "The caption is too long.", 2207010,
                         error_user_title="Caption too long",
                         error_user_msg="A caption may have at most 2,200 "
                         "characters, 30 hashtags and 20 @ tags.")
    data = fetch(url, "ig_media")
    if data is None:
        u = urllib.parse.urlsplit(url)  # shown without its query (signature)
        raise GraphError(400, 9004, "Media download has failed. The media URI "
                         "doesn't meet our requirements.", 2207052,
                         error_user_title="Media download has failed.",
                         error_user_msg="The media could not be fetched from "
                         "this uri: %s://%s%s" % (u.scheme, u.netloc, u.path))
    info = received("ig_media", data)
    no = media.ig_refusal(info)
    if no:
        raise GraphError(400, no["code"], no["message"], no["subcode"],
                         error_user_title=no["error_user_title"],
                         error_user_msg=no["error_user_msg"])
    photo = dict(keep(data, info), photo_scaled_down=media.ig_scaled_down(
        info))
    with lock:
        k, ready, t = next(seq), S["config"]["ready_after"], now()
        c = dict(kind="container", id="1790%013d" % k, caption=caption,
                 status_code="IN_PROGRESS" if ready else "FINISHED",
                 created_time=iso(t), _pending=ready, _t=t, _photo=photo)
        S["objects"][c["id"]] = c
    return {"id": c["id"]}


def ig_publish(params, files, fault, path):
    cid = params.get("creation_id")
    if not cid:
        raise bad_param("The parameter creation_id is required")
    with lock:
        c = S["objects"].get(cid)
        if c is None or c["kind"] != "container":
            raise GraphError(400, 24, "The requested resource does not exist",
                             2207006, error_user_title="Media not found",
                             error_user_msg="The media with id %s cannot be "
                             "found." % cid)
        expire(c)
        if c["status_code"] in ("PUBLISHED", "EXPIRED"):
            raise GraphError(400, 24, "The media builder does not exist or "
                             "has expired", 2207008, error_user_title="Media "
                             "builder expired", error_user_msg="The media "
                             "builder with creation id %s does not exist or "
                             "has expired." % cid)
        if c["status_code"] != "FINISHED":
            raise GraphError(400, 9007, "Media ID is not available", 2207027,
                             error_user_title="Media Not Ready For Publishing",
                             error_user_msg="The media is not ready for "
                             "publishing, please wait for a moment")
        if fault == "limit" or \
                quota_usage(now() - DAY) >= S["config"]["quota_total"]:
            raise GraphError(400, 9, "Application request limit reached",
                             2207042, error_user_title="Maximum number of "
                             "posts reached", error_user_msg="You reached the "
                             "maximum number of posts that is allowed to be "
                             "published by Content Publishing API.")
        k, t = next(seq), now()
        mid = "1780%013d" % k
        code = base64.urlsafe_b64encode(int(mid).to_bytes(8, "big")).decode(
        ).rstrip("=")  # 11 characters, as Instagram's
        m = dict(kind="ig_media", id=mid, container_id=cid,
                 caption=c["caption"], created_time=iso(t), shortcode=code,
                 permalink="https://www.instagram.com/p/%s/" % code,
                 **c["_photo"], _t=t)
        S["ig_posts"].append(m)
        S["objects"][mid] = m
        c["status_code"] = "PUBLISHED"
    return {"id": mid}


def quota_usage(since):
    return sum(1 for m in S["ig_posts"] if m["_t"] >= since)


def ig_limit(params, files, fault, path):
    since = max(number(params, "since", 0), now() - DAY)
    with lock:
        total = S["config"]["quota_total"]
        used = total if fault == "quota_full" else quota_usage(since)
    values = {"quota_usage": used,
              "config": {"quota_total": total, "quota_duration": DAY}}
    return {"data": [select(params, "ContentPublishingLimitResponse",
                            ["quota_usage"], values, with_id=False)]}


def get_object(obj):
    def get(params, files, fault, path):
        with lock:
            args = view(obj)
            select(params, *args)  # a bad field changes nothing
            if obj["kind"] == "container":  # a status check
                expire(obj)
                if obj["status_code"] in ("IN_PROGRESS", "FINISHED"):
                    if fault in ("error", "expired"):
                        obj["status_code"] = fault.upper()
                    elif fault.startswith("in_progress:"):
                        obj["status_code"] = "IN_PROGRESS"
                        obj["_pending"] = int(fault.split(":")[1])
                if obj["status_code"] == "IN_PROGRESS":
                    if obj["_pending"] > 0:
                        obj["_pending"] -= 1
                    else:
                        obj["status_code"] = "FINISHED"
                args = view(obj)
            return select(params, *args)
    return get


ROUTES = {("POST", PAGE_ID, "photos"): ("fb_photo", fb_photo),
          ("GET", PAGE_ID, "posts"): ("fb_posts", fb_posts),
          ("GET", PAGE_ID, "feed"): ("fb_posts", fb_posts),
          ("POST", IG_USER_ID, "media"): ("ig_media", ig_media),
          ("GET", IG_USER_ID, "media"): ("ig_list", ig_list),
          ("POST", IG_USER_ID, "media_publish"): ("ig_publish", ig_publish),
          ("GET", IG_USER_ID, "content_publishing_limit"):
              ("ig_limit", ig_limit)}


def route(method, parts):
    """(endpoint, action): a function(params, files, fault, path), or a
    GraphError to answer once the token has been checked."""
    if not parts or parts[0] != VERSION:
        return "other", bad_param("Unsupported request - the path must start "
                                  "with /%s/" % VERSION)
    if len(parts) not in (2, 3):
        return "other", bad_param("Unknown path components: /" +
                                  "/".join(parts[1:]))
    node = PAGE_ID if parts[1] == "me" else parts[1]
    if len(parts) == 3:
        if (method, node, parts[2]) in ROUTES:
            return ROUTES[method, node, parts[2]]
        if node in (PAGE_ID, IG_USER_ID) and method == "GET":
            return "other", bad_param(
                "Tried accessing nonexisting field (%s) on node type (%s)" % (
                    parts[2], "Page" if node == PAGE_ID else "ShadowIGUser"))
        return "other", no_object(method, node)
    with lock:
        obj = S["objects"].get(node)
    if method != "GET" or obj is None:
        return "other", no_object(method, node)
    return ("ig_status" if obj["kind"] == "container" else "permalink",
            get_object(obj))


def encode(obj):
    # Graph escapes every "/"; json.dumps never emits one in an escape.
    return json.dumps(obj).replace("/", "\\/").encode()


def valid_config(k, v):
    if k == "token_expired":
        return isinstance(v, bool)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or \
            not math.isfinite(v):
        return False
    if k in ("ready_after", "quota_total"):
        return isinstance(v, int) and v >= 0
    return k == "clock_offset_s" or (k == "timeout_s" and v >= 0)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, data, ctype="application/json; charset=UTF-8",
             headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("facebook-api-version", VERSION)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply(self, status, obj, headers=()):
        self.send(status, encode(obj), headers=headers)

    def handle_any(self):
        try:
            self.dispatch()
        except ConnectionError:
            raise
        except Exception as e:
            if not isinstance(e, GraphError):  # a bug here: say so, stay up
                traceback.print_exc()
                self.close_connection = True
                e = GraphError(500, 1, "An unknown error has occurred.", 99)
            body = e.body()
            self.reply(e.status, body, e.headers + [
                ("x-fb-trace-id", body["error"]["fbtrace_id"])])

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def read_body(self):
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY or "chunked" in self.headers.get(
                "Transfer-Encoding", "").lower():
            self.close_connection = True
            raise bad_param("Send a body of at most %d bytes with a "
                            "Content-Length" % MAX_BODY)
        return self.rfile.read(n)

    def parse(self, url, body):
        """(params, files, token, where the token came from)"""
        try:
            query = dict(urllib.parse.parse_qsl(
                url.query, keep_blank_values=True, errors="strict"))
            form, files = {}, {}
            ctype = self.headers.get("Content-Type", "")
            if body and ctype.lower().startswith("multipart/form-data"):
                form, files = media.multipart(ctype, body)
            elif body:
                form = dict(urllib.parse.parse_qsl(
                    body.decode("utf-8"), keep_blank_values=True,
                    errors="strict"))
        except ValueError as e:  # UnicodeDecodeError too
            raise bad_param("Could not parse the request: %s" % e) from None
        token, where = None, "none"
        for name, d in (("query", query), ("body", form)):
            if "access_token" in d:
                token, where = d.pop("access_token"), name
        m = re.fullmatch(r"\s*(?i:bearer|oauth)\s+(\S+)\s*",
                         self.headers.get("Authorization", ""))
        if m:
            token, where = m.group(1), "header"
        return {**query, **form}, files, token, where

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_"):
            return self.control(url.path, body)
        endpoint, action = route(self.command,
                                 [p for p in url.path.split("/") if p])
        with lock:
            S["requests"][endpoint] += 1
        params, files, token, where = self.parse(url, body)
        with lock:
            last = S["last"][endpoint] = dict(params)
            for k, f in files.items():
                last[k] = {"filename": f["filename"], "bytes": len(f["data"]),
                           "content_type": f["content_type"]}
            last["_token_in"] = where
        if not token:
            raise auth_error(104, "An access token is required to request "
                             "this resource.", why="invalid_request")
        if not hmac.compare_digest(token.encode(), TOKEN.encode()):
            raise auth_error(190, "Invalid OAuth access token - Cannot parse "
                             "access token")
        if S["config"]["token_expired"]:
            raise expired_token()
        if isinstance(action, GraphError):
            raise action
        fault = take_fault(endpoint)
        if fault.startswith("slow:"):
            time.sleep(float(fault.split(":")[1]))
            fault = "pass"
        if fault == "timeout":
            return self.stall()
        if fault == "echo_token":
            raise auth_error(190, "Malformed access token " + token)
        if fault == "garbage":
            return self.send(200, b"\xff\x00<html>upstream hiccup")
        if fault == "503_html":
            return self.send(503, b"<!DOCTYPE html><html><body><h1>Sorry, "
                             b"something went wrong.</h1></body></html>",
                             "text/html; charset=utf-8")
        if fault.startswith("http429:"):
            return self.send(429, b"<html><body>429 Too Many Requests"
                             b"</body></html>", "text/html; charset=utf-8",
                             [("Retry-After", fault.split(":")[1])])
        err = fault_error(fault)
        if err:
            raise err
        result = action(params, files, fault, url.path)
        if fault == "publish_then_timeout":
            return self.stall()
        if fault == "publish_then_500":
            raise fault_error("500")
        self.reply(200, result)

    def stall(self):
        time.sleep(S["config"]["timeout_s"])
        self.close_connection = True

    def control(self, path, body):
        if (self.command, path) == ("GET", "/_stats"):
            with lock:  # encoded under the lock, sent without it
                cs = [c for c in S["objects"].values()
                      if c["kind"] == "container"]
                for c in cs:
                    expire(c)
                data = encode({
                    "requests": S["requests"],
                    "fb_posts": [public(p) for p in S["fb_posts"]],
                    "ig_containers": [dict(public(c), **c["_photo"])
                                      for c in cs],
                    "ig_posts": [public(m) for m in S["ig_posts"]],
                    "containers": {c["id"]: c["status_code"] for c in cs},
                    "last": S["last"], "config": S["config"],
                    "faults": ["%s:%s" % f for f in S["faults"]]})
            return self.send(200, data)
        if self.command != "POST" or \
                path not in ("/_reset", "/_faults", "/_config"):
            raise bad_param("No control endpoint %s %s" % (self.command, path))
        if path == "/_reset":
            with lock:
                reset()
            return self.reply(200, {"reset": True})
        try:
            req = json.loads(body)
        except ValueError:
            raise bad_param("The body is not JSON") from None
        if path == "/_faults":
            if not isinstance(req, list):
                raise bad_param("Faults are a JSON list of strings")
            queued = []
            for entry in req:
                ep, _, fault = entry.partition(":") \
                    if isinstance(entry, str) else ("", "", "")
                fault, times = re.fullmatch(r"(.*?)(?:\*([1-9]\d{0,3}))?",
                                            fault, re.S).groups()
                if ep not in ENDPOINTS[:-1] + ("*",) or not re.fullmatch(
                        FAULTS + "|" + ONLY.get(ep, "pass"), fault) or \
                        int(times or 1) > 1000:
                    raise bad_param("Bad fault %s" % json.dumps(entry))
                queued += [(ep, fault)] * int(times or 1)
            with lock:
                S["faults"] += queued
                data = encode({"queued": len(S["faults"])})
            return self.send(200, data)
        if not isinstance(req, dict):
            raise bad_param("Config is a JSON object")
        for k, v in req.items():
            if k not in DEFAULTS or not valid_config(k, v):
                raise bad_param("Bad config %s: %s" % (k, json.dumps(v)))
        with lock:
            S["config"].update(req)
            data = encode(S["config"])
        return self.send(200, data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients hang up on purpose here (timeouts, cancels).
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


reset()
srv = Server(("127.0.0.1", 0), Handler)
PORT = srv.server_address[1]
print(PORT, flush=True)
srv.serve_forever()
