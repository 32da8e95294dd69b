/*
 * S3: the ListBucketResult and Error parsers on real-shaped, truncated and
 * hostile XML (keys, sizes, ETags); S3-flavoured SigV4 (UNSIGNED-PAYLOAD, a key
 * with a space and a '+', a path S3 signs without normalising it) and presigned
 * GET URLs, against values derived independently at authoring time with
 * botocore and with plain hashlib/hmac: tests/tools/s3_sigv4_derive.py
 * prints them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activities/http.h"
#include "activities/s3.h"
#include "activities/sigv4.h"
#include "common/util.h"

#define AKID   "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T0     1795856400 /* 2026-11-28T09:00:00Z */

/* A first page as AWS sends it (namespace, owner, entities, UTF-8). */
static const char page1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>photos</Name><Prefix>pomandi/</Prefix><KeyCount>3</KeyCount>"
    "<MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
    "</NextContinuationToken>"
    "<Contents><Key>pomandi/</Key><LastModified>2026-11-01T10:00:00.000Z"
    "</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;"
    "</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>pomandi/navy wool+coat &amp; hat.jpg</Key>"
    "<LastModified>2026-11-01T10:00:00.000Z</LastModified>"
    "<ETag>&quot;f7b0f1a431960cd259227c497611ef98&quot;</ETag>"
    "<Size>10401</Size><Owner><ID>abc</ID><DisplayName>me</DisplayName>"
    "</Owner><StorageClass>STANDARD</StorageClass></Contents>\n  "
    "<Contents><Key>pomandi/cr\xc3\xa8me-\xc3\xa9t\xc3\xa9.JPEG</Key>"
    "<Size>5368709120</Size></Contents>"
    "<CommonPrefixes><Prefix>pomandi/2026/</Prefix></CommonPrefixes>"
    "</ListBucketResult>";

/* A last page as s3rver 3.7.1 sends it (another xmlns, the token of the
 * request echoed). */
static const char page2[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://doc.s3.amazonaws.com/2006-03-01/\">"
    "<Name>photos</Name><Prefix>pomandi/</Prefix>"
    "<ContinuationToken>dXMtZWFzdC0x</ContinuationToken>"
    "<KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
    "<IsTruncated>false</IsTruncated><Contents><Key>pomandi/zz.png</Key>"
    "<LastModified>2026-11-28T09:04:00.000Z</LastModified>"
    "<ETag>&quot;x&quot;</ETag><Size>42</Size>"
    "<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>";

static void
test_list_pages(void **state)
{
	struct s3_list l;
	char          *cause = NULL;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(s3_parse_list(page1, strlen(page1), &l, &cause), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].key, "pomandi/");
	assert_int_equal(l.v[0].size, 0);
	assert_string_equal(l.v[0].etag, "d41d8cd98f00b204e9800998ecf8427e");
	assert_string_equal(l.v[1].key, "pomandi/navy wool+coat & hat.jpg");
	assert_int_equal(l.v[1].size, 10401);
	assert_string_equal(l.v[1].etag, "f7b0f1a431960cd259227c497611ef98");
	assert_string_equal(l.v[2].key,
	                    "pomandi/cr\xc3\xa8me-\xc3\xa9t\xc3\xa9.JPEG");
	assert_int_equal(l.v[2].size, 5368709120LL);
	assert_string_equal(l.v[2].etag, ""); /* none listed */
	assert_true(l.truncated);
	assert_string_equal(l.next_token,
	                    "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	/* The next page adds to the list and ends it. */
	assert_int_equal(s3_parse_list(page2, strlen(page2), &l, &cause), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[3].key, "pomandi/zz.png");
	assert_int_equal(l.v[3].size, 42);
	assert_string_equal(l.v[3].etag, "x");
	assert_false(l.truncated);
	assert_null(l.next_token);
	s3_list_fini(&l);
}

static void
test_list_empty(void **state)
{
	static const char empty[] =
	    "<ListBucketResult><Name>photos</Name><Prefix>none/</Prefix>"
	    "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>"
	    "<IsTruncated>false</IsTruncated></ListBucketResult>";
	struct s3_list l;
	char          *cause = NULL;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(s3_parse_list(empty, strlen(empty), &l, &cause), 0);
	assert_int_equal(l.n, 0);
	assert_false(l.truncated);
	s3_list_fini(&l);
}

/* ETags come quoted ("&quot;" in the XML); the quotes go, whatever is
 * inside stays. */
static void
test_list_etags(void **state)
{
	static const char xml[] =
	    "<ListBucketResult><IsTruncated>false</IsTruncated>"
	    "<ETag>&quot;not an object's&quot;</ETag>"
	    "<Contents><Key>multi.jpg</Key><Size>9</Size>"
	    "<ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag>"
	    "</Contents>"
	    "<Contents><Key>bare.jpg</Key><ETag>0123abcd</ETag><Size>1</Size>"
	    "</Contents>"
	    "<Contents><Key>one.jpg</Key><ETag>\"</ETag><Size>1</Size>"
	    "</Contents>"
	    "<Contents><Key>empty.jpg</Key><ETag>&quot;&quot;</ETag>"
	    "<Size>0</Size></Contents>"
	    "<Contents><Key>blank.jpg</Key><ETag></ETag><Size>1</Size>"
	    "</Contents>"
	    "<Contents><Key>twice.jpg</Key><ETag>\"a\"</ETag>"
	    "<ETag>\"b\"</ETag><Size>1</Size></Contents>"
	    "<Contents><Key>none.jpg</Key><Size>1</Size></Contents>"
	    "</ListBucketResult>";
	static const char *const want[][2] = {
		{ "multi.jpg", "3858f62230ac3c915f300c664312c11f-9" },
		{ "bare.jpg", "0123abcd" },
		{ "one.jpg", "\"" },
		{ "empty.jpg", "" },
		{ "blank.jpg", "" },
		{ "twice.jpg", "b" },
		{ "none.jpg", "" },
	};
	struct s3_list l;
	char          *cause = NULL;
	size_t         i;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(s3_parse_list(xml, strlen(xml), &l, &cause), 0);
	assert_int_equal(l.n, nitems(want));
	for (i = 0; i < nitems(want); i++) {
		assert_string_equal(l.v[i].key, want[i][0]);
		assert_string_equal(l.v[i].etag, want[i][1]);
	}
	s3_list_fini(&l);
}

static void
test_list_bad(void **state)
{
	static const struct {
		const char *xml;
		const char *why; /* in the cause */
	} bad[] = {
		{ "", "malformed XML" },
		{ "<html><body>502 Bad Gateway</body></html>",
		  "not a ListBucketResult" },
		{ "<ListBucketResult><IsTruncated>false</IsTruncated>"
		  "<Contents><Key>a.jpg</Key><Size>1</Size></Contents>",
		  "malformed XML" }, /* cut short */
		{ "<ListBucketResult><Contents><Key>a.jpg</Key><Size>1</Size>"
		  "</Contents></ListBucketResult>",
		  "no IsTruncated" },
		{ "<ListBucketResult><IsTruncated>maybe</IsTruncated>"
		  "</ListBucketResult>",
		  "neither true nor false" },
		{ "<ListBucketResult><IsTruncated>false</IsTruncated><Contents>"
		  "<Key>a.jpg</Key><Size>12x</Size></Contents>"
		  "</ListBucketResult>",
		  "not a number" },
		{ "<ListBucketResult><IsTruncated>false</IsTruncated><Contents>"
		  "<Key>a.jpg</Key><Size>-1</Size></Contents>"
		  "</ListBucketResult>",
		  "not a number" },
		{ "<ListBucketResult><IsTruncated>false</IsTruncated><Contents>"
		  "<Size>1</Size></Contents></ListBucketResult>",
		  "without a Key" },
		{ "<ListBucketResult><IsTruncated>true</IsTruncated>"
		  "</ListBucketResult>",
		  "without a NextContinuationToken" },
		{ "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
		  "<!ENTITY b \"&a;&a;&a;&a;\">]><ListBucketResult>"
		  "<IsTruncated>false</IsTruncated><Contents><Key>&b;</Key>"
		  "<Size>1</Size></Contents></ListBucketResult>",
		  "DOCTYPE" },
		{ "<Error><Code>AccessDenied</Code><Message>Access Denied"
		  "</Message></Error>",
		  "AccessDenied: Access Denied" },
		{ "<ListBucketResult><IsTruncated>false</IsTruncated>"
		  "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
		  "</a></a></a></a></a></a></a></a></a></a></a></a></a></a>"
		  "</a></a></a></ListBucketResult>",
		  "nested too deep" },
		{ "\xff\xfe<ListBucketResult/>", "malformed XML" },
		/* Cut short after an object and inside the next one's ETag:
		 * what the page had parsed goes (LeakSanitizer watches). */
		{ "<ListBucketResult><IsTruncated>false</IsTruncated><Contents>"
		  "<Key>a.jpg</Key><ETag>&quot;e1&quot;</ETag><Size>1</Size>"
		  "</Contents><Contents><Key>b.jpg</Key><ETag>&quot;e2",
		  "malformed XML" },
	};
	struct s3_list l;
	char          *cause, *big, *p;
	size_t         i;

	(void)state;
	/* Bad pages leave what an earlier page listed as it was. */
	memset(&l, 0, sizeof l);
	assert_int_equal(s3_parse_list(page1, strlen(page1), &l, &cause), 0);
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		assert_int_equal(
		    s3_parse_list(bad[i].xml, strlen(bad[i].xml), &l, &cause),
		    -1);
		if (strstr(cause, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, cause,
			         bad[i].why);
		free(cause);
		assert_int_equal(l.n, 3);
		assert_false(l.truncated);
		assert_null(l.next_token);
	}
	/* A key longer than any S3 key. */
	big = xmalloc(20000);
	p = big + sprintf(big, "<ListBucketResult><IsTruncated>false"
	                       "</IsTruncated><Contents><Key>");
	memset(p, 'k', 5000);
	strcpy(p + 5000, "</Key><Size>1</Size></Contents></ListBucketResult>");
	cause = NULL;
	assert_int_equal(s3_parse_list(big, strlen(big), &l, &cause), -1);
	assert_non_null(strstr(cause, "longer than"));
	free(cause);
	free(big);
	assert_int_equal(l.n, 3);
	s3_list_fini(&l);
}

static void
test_error_body(void **state)
{
	static const char denied[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
	    "<Code>SignatureDoesNotMatch</Code><Message>The request signature "
	    "we calculated does not match the signature you provided. Check "
	    "your key and signing method.</Message><AWSAccessKeyId>AKIA"
	    "</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256...</StringToSign>"
	    "<RequestId>4442587FB7D0A2F9</RequestId><HostId>x</HostId></Error>";
	static const char slow[] =
	    "<Error><Code>SlowDown</Code><Message>Please reduce your request "
	    "rate.</Message></Error>";
	char *msg, *code;

	(void)state;
	msg = s3_parse_error(denied, strlen(denied), &code);
	assert_string_equal(msg, "SignatureDoesNotMatch: The request "
	                         "signature we calculated does not match the "
	                         "signature you provided. Check your key and "
	                         "signing method.");
	assert_string_equal(code, "SignatureDoesNotMatch");
	free(msg);
	free(code);
	msg = s3_parse_error(slow, strlen(slow), NULL);
	assert_string_equal(msg, "SlowDown: Please reduce your request rate.");
	free(msg);
	/* Not an error document: nothing to quote. */
	assert_null(s3_parse_error(page2, strlen(page2), &code));
	assert_null(code);
	assert_null(s3_parse_error("<html>oops</html>", 17, &code));
	assert_null(s3_parse_error("<Error><Code>", 13, &code));
	assert_null(
	    s3_parse_error("<Error><Message>m</Message></Error>", 34, &code));
	assert_null(s3_parse_error("", 0, &code));
}

/* Header signing as S3 wants it, against botocore's S3SigV4Auth. */
/* s3_answer, the classing of every S3 answer. Found by fuzz-s3: S3's
 * message cut at 300 bytes inside a character left invalid UTF-8 in the
 * error, which goes into JSON. */
static void
test_answer(void **state)
{
	struct http_resp r;
	struct act_out   out;
	char            *msg, *body;
	int              i;

	(void)state;
	msg = xstrdup("a");
	for (i = 0; i < 200; i++) {
		char *tmp;

		xasprintf(&tmp, "%s\xda\x9d", msg);
		free(msg);
		msg = tmp;
	}
	xasprintf(&body,
	          "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code>"
	          "<Message>%s</Message></Error>",
	          msg);
	memset(&r, 0, sizeof r);
	memset(&out, 0, sizeof out);
	r.status = 403;
	r.should_retry = -1;
	r.body = body;
	r.len = strlen(body);
	assert_int_equal(s3_answer(&r, "S3 listing", &out), -1);
	assert_int_equal(out.status, ACT_RETRY); /* SlowDown, whatever the
	                                           status */
	assert_non_null(strstr(out.error, "S3 listing: S3 403 SlowDown: a"));
	assert_true(utf8_valid(out.error, strlen(out.error)));
	free(out.error);
	memset(&out, 0, sizeof out);
	r.status = 404;
	strcpy(r.body, "<html>");
	r.len = 6;
	assert_int_equal(s3_answer(&r, "S3 getting", &out), -1);
	assert_int_equal(out.status, ACT_FAIL);
	assert_string_equal(out.error,
	                    "S3 getting: S3 404 (no S3 error in the body)");
	free(out.error);
	memset(&out, 0, sizeof out);
	r.status = 200;
	assert_int_equal(s3_answer(&r, "S3 getting", &out), 0);
	assert_int_equal(out.status, ACT_OK);
	assert_null(out.error);
	free(body);
	free(msg);
}

static void
test_sign_s3_header(void **state)
{
	struct sigv4_header h[] = {
		{ "Host", "photos.s3.eu-west-1.amazonaws.com" },
	};
	struct sigv4_params p = {
		.access_key = AKID,
		.secret_key = SECRET,
		.region = "eu-west-1",
		.service = "s3",
		.time = T0,
		.normalize = 0,
		.payload_hash = "UNSIGNED-PAYLOAD",
		.add_content_sha256 = 1,
	};
	struct sigv4_out out;
	char            *cause = NULL;
	int              i, found = 0;

	(void)state;
	assert_int_equal(
	    sigv4_sign_headers("GET", "/pomandi/2026//./navy wool+coat.jpg",
	                       NULL, h, 1, NULL, 0, &p, &out, &cause),
	    0);
	assert_string_equal(out.canonical,
	                    "GET\n/pomandi/2026//./navy%20wool%2Bcoat.jpg\n\n"
	                    "host:photos.s3.eu-west-1.amazonaws.com\n"
	                    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	                    "x-amz-date:20261128T090000Z\n\n"
	                    "host;x-amz-content-sha256;x-amz-date\n"
	                    "UNSIGNED-PAYLOAD");
	assert_string_equal(out.signature, "192f727f0ef57515ca6c52fa7ee94a978c"
	                                   "2d35dcc8a1d637bf759212c3b967e3");
	for (i = 0; i < out.nadd; i++) {
		if (strcmp(out.add[i].name, "Authorization") == 0) {
			assert_string_equal(
			    out.add[i].value,
			    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/"
			    "eu-west-1/s3/aws4_request, SignedHeaders=host;"
			    "x-amz-content-sha256;x-amz-date, "
			    "Signature=192f727f"
			    "0ef57515ca6c52fa7ee94a978c2d35dcc8a1d637bf759212c3"
			    "b9"
			    "67e3");
			found |= 1;
		}
		if (strcmp(out.add[i].name, "x-amz-content-sha256") == 0) {
			assert_string_equal(out.add[i].value,
			                    "UNSIGNED-PAYLOAD");
			found |= 2;
		}
	}
	assert_int_equal(found, 3);
	sigv4_out_fini(&out);
}

static void
creds(const char *token)
{
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	if (token != NULL)
		setenv("AWS_SESSION_TOKEN", token, 1);
	else
		unsetenv("AWS_SESSION_TOKEN");
}

/* Presigned GETs, against botocore's S3SigV4QueryAuth: the whole URL. */
static void
test_presign(void **state)
{
	struct s3_bucket aws = { .name = "photos", .region = "eu-west-1" };
	struct s3_bucket local = { .name = "photos",
		                   .region = "eu-west-1",
		                   .endpoint = "http://127.0.0.1:9000/",
		                   .path_style = 1 };
	char            *url = NULL, *cause = NULL;

	(void)state;
	creds(NULL);
	assert_int_equal(s3_presign_get(&aws, "pomandi/navy wool+coat.jpg",
	                                21600, T0, &url, &cause),
	                 0);
	assert_string_equal(
	    url, "https://photos.s3.eu-west-1.amazonaws.com/pomandi/"
	         "navy%20wool%2Bcoat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
	         "X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Feu-west-1%2Fs3%2F"
	         "aws4_request&X-Amz-Date=20261128T090000Z&X-Amz-Expires=21600&"
	         "X-Amz-SignedHeaders=host&X-Amz-Signature=9ae5453f45bfb3185572"
	         "d2362087848b7d18dc6b8d7ecd1cf99843a7ec27df2f");
	free(url);
	creds("IQoJb3JpZ2luX2VjE+token/x=");
	assert_int_equal(s3_presign_get(&local, "pomandi/a b+c.png", 604800, T0,
	                                &url, &cause),
	                 0);
	assert_string_equal(
	    url, "http://127.0.0.1:9000/photos/pomandi/a%20b%2Bc.png?"
	         "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE"
	         "%2F20261128%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date="
	         "20261128T090000Z&X-Amz-Expires=604800&X-Amz-Security-Token="
	         "IQoJb3JpZ2luX2VjE%2Btoken%2Fx%3D&X-Amz-SignedHeaders=host&"
	         "X-Amz-Signature=600a6c85428eb3e49b5ae4da41399104e2dbbb1cc7b94"
	         "4f99328d92f756822f4");
	free(url);
	creds(NULL);
}

/* Where the URL goes for each addressing style (signatures aside). */
static void
test_presign_styles(void **state)
{
	static const struct {
		struct s3_bucket b;
		const char      *prefix;
	} cases[] = {
		{ { .name = "photos" },
		  "https://photos.s3.us-east-1.amazonaws.com/k/a.jpg?" },
		{ { .name = "photos", .path_style = 1 },
		  "https://s3.us-east-1.amazonaws.com/photos/k/a.jpg?" },
		{ { .name = "photos", .endpoint = "http://s3.localhost:81" },
		  "http://photos.s3.localhost:81/k/a.jpg?" },
		{ { .name = "photos",
		    .endpoint = "https://minio.example/base/",
		    .path_style = 1 },
		  "https://minio.example/base/photos/k/a.jpg?" },
	};
	char  *url, *cause = NULL;
	size_t i;

	(void)state;
	creds(NULL);
	for (i = 0; i < nitems(cases); i++) {
		assert_int_equal(s3_presign_get(&cases[i].b, "k/a.jpg", 60, T0,
		                                &url, &cause),
		                 0);
		if (strncmp(url, cases[i].prefix, strlen(cases[i].prefix)) != 0)
			fail_msg("case %zu: %s", i, url);
		free(url);
	}
}

static void
test_presign_refused(void **state)
{
	struct s3_bucket b = { .name = "photos" };
	struct s3_bucket ftp = { .name = "photos",
		                 .endpoint = "ftp://127.0.0.1" };
	char            *url = NULL, *cause = NULL;

	(void)state;
	creds(NULL);
	assert_int_equal(s3_presign_get(&b, "a.jpg", 0, T0, &url, &cause), -1);
	assert_non_null(strstr(cause, "7 days"));
	free(cause);
	assert_int_equal(s3_presign_get(&b, "a.jpg", 604801, T0, &url, &cause),
	                 -1);
	free(cause);
	assert_int_equal(s3_presign_get(&ftp, "a.jpg", 60, T0, &url, &cause),
	                 -1);
	assert_non_null(strstr(cause, "not http"));
	free(cause);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(s3_presign_get(&b, "a.jpg", 60, T0, &url, &cause), -1);
	assert_non_null(strstr(cause, "AWS_SECRET_ACCESS_KEY"));
	free(cause);
	assert_null(url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_list_empty),
		cmocka_unit_test(test_list_etags),
		cmocka_unit_test(test_list_bad),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_sign_s3_header),
		cmocka_unit_test(test_presign),
		cmocka_unit_test(test_presign_styles),
		cmocka_unit_test(test_presign_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
