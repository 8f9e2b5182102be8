package io.driftwatch.scanner.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@code docker://}: the OCI distribution API over the JDK's HttpClient. Manifests are asked for as OCI index/manifest
 * or Docker manifest list/schema 2; an index is resolved to the wanted platform; blobs are streamed (never held
 * whole) and every manifest, config and layer is checked against its digest.
 *
 * <p>Authentication follows the registry's 401 challenge: {@code Basic} sends the credentials ("user:password");
 * {@code Bearer realm=..,service=..,scope=..} fetches a token from the realm (with the credentials as Basic auth when
 * given, anonymously otherwise) and retries with it. Without credentials a registry that insists gets a clear
 * error. Redirects (blob storage) are followed without the Authorization header when they leave the registry's host.
 *
 * <p>TLS: with {@code tlsVerify} (the default) only https with a trusted, matching certificate. With
 * {@code tlsVerify=false}, like skopeo's {@code --tls-verify=false}: https is tried first accepting any certificate,
 * and when the registry does not speak TLS at all, plain http.
 */
final class RegistryReader implements BlobSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SMALL_REQUEST_TIMEOUT = Duration.ofMinutes(2);
    private static final int MAX_REDIRECTS = 5;

    private final RegistryReference ref;
    private final String credentials;
    private final boolean tlsVerify;
    private final HttpClient http;
    private URI base;
    private String authorization;

    RegistryReader(RegistryReference ref, ReadOptions options) throws ImageReadException {
        this.ref = ref;
        this.credentials = options.credentials();
        this.tlsVerify = options.tlsVerify();
        if (credentials != null && !credentials.contains(":")) {
            throw new ImageReadException("credentials must be USER:PASSWORD");
        }
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(CONNECT_TIMEOUT);
        if (!tlsVerify) {
            b.sslContext(trustAll());
        }
        this.http = b.build();
    }

    ImageScan read(String reference, String platform, boolean fallback, ReadOptions options, LayerVisitor visitor)
            throws ImageReadException {
        connect();
        Fetched top = fetchManifest(ref.manifestReference(), ref.digest(), null);
        ManifestResolver.Resolved image = new ManifestResolver(this, platform, fallback).resolve(top);
        return LayerReading.read(reference, image.manifestDigest(), image.os(), image.architecture(),
                LayerReading.specs(image), image.indexDigests(), this, options, visitor);
    }

    /** Finds the scheme: https; with tlsVerify=false, http when https cannot be spoken. */
    private void connect() throws ImageReadException {
        URI https = URI.create("https://" + ref.registry() + "/v2/");
        try {
            ping(https);
            base = URI.create("https://" + ref.registry());
            return;
        } catch (IOException e) {
            if (tlsVerify) {
                throw new ImageReadException("cannot reach registry " + ref.registry() + " over https: " + message(e)
                        + " (for a registry without TLS or with a self-signed certificate, turn TLS verification off)", e);
            }
            URI httpUri = URI.create("http://" + ref.registry() + "/v2/");
            try {
                ping(httpUri);
                base = URI.create("http://" + ref.registry());
            } catch (IOException e2) {
                throw new ImageReadException("cannot reach registry " + ref.registry() + ": https: " + message(e)
                        + "; http: " + message(e2), e2);
            }
        }
    }

    private void ping(URI uri) throws IOException {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(SMALL_REQUEST_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            // 200, or 401 with a challenge, says this is a registry; the challenge is answered per request.
            if (r.statusCode() != 200 && r.statusCode() != 401) {
                throw new IOException("GET " + uri + " answered " + r.statusCode() + ": not an OCI distribution registry?");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private Fetched fetchManifest(String reference, String expectedDigest, String mediaType) throws ImageReadException {
        URI uri = base.resolve("/v2/" + ref.repository() + "/manifests/" + reference);
        HttpResponse<InputStream> r = send(uri, ManifestResolver.ACCEPT, SMALL_REQUEST_TIMEOUT, "manifest " + reference);
        byte[] bytes;
        try (InputStream in = r.body()) {
            bytes = in.readNBytes(ManifestResolver.MAX_MANIFEST_BYTES + 1);
        } catch (IOException e) {
            throw new ImageReadException(where() + ": reading manifest " + reference + ": " + message(e), e);
        }
        if (bytes.length > ManifestResolver.MAX_MANIFEST_BYTES) {
            throw new ImageReadException(where() + ": manifest " + reference + " is over "
                    + ManifestResolver.MAX_MANIFEST_BYTES + " bytes");
        }
        String digest;
        if (expectedDigest != null) {
            ManifestResolver.checkDigest(bytes, expectedDigest, where() + ": manifest");
            digest = expectedDigest;
        } else {
            digest = Digests.sha256(bytes);
            Optional<String> claimed = r.headers().firstValue("Docker-Content-Digest");
            if (claimed.isPresent() && claimed.get().startsWith("sha256:") && !claimed.get().equals(digest)) {
                throw new ImageReadException(where() + ": manifest " + reference + ": the registry says its digest is "
                        + claimed.get() + " but its content is " + digest);
            }
        }
        String type = r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse(mediaType);
        return new Fetched(bytes, digest, type);
    }

    @Override
    public Fetched manifest(Descriptor d) throws ImageReadException {
        return fetchManifest(d.digest(), d.digest(), d.mediaType());
    }

    @Override
    public InputStream blob(Descriptor d) throws ImageReadException {
        URI uri = base.resolve("/v2/" + ref.repository() + "/blobs/" + d.digest());
        return send(uri, "*/*", null, "blob " + d.digest()).body();
    }

    @Override
    public String describe() {
        return "docker://" + ref;
    }

    private String where() {
        return describe();
    }

    /**
     * GET with the current authorization, answering one 401 challenge and following redirects. Returns a 2xx
     * response whose body the caller closes; anything else becomes an ImageReadException.
     */
    private HttpResponse<InputStream> send(URI uri, String accept, Duration timeout, String what) throws ImageReadException {
        boolean challenged = false;
        URI target = uri;
        String auth = authorization;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target).GET().header("Accept", accept);
            if (timeout != null) {
                b.timeout(timeout);
            }
            if (auth != null) {
                b.header("Authorization", auth);
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new ImageReadException(where() + ": GET " + target + " failed: " + message(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImageReadException(where() + ": interrupted", e);
            }
            int status = r.statusCode();
            if (status / 100 == 2) {
                return r;
            }
            String body = errorBody(r);
            if (status == 401 && !challenged && sameHost(target, uri)) {
                challenged = true;
                authorization = answer(r.headers().firstValue("WWW-Authenticate").orElse(""), body);
                auth = authorization;
                hop--;
                continue;
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                Optional<String> location = r.headers().firstValue("Location");
                if (location.isEmpty()) {
                    throw new ImageReadException(where() + ": " + what + ": redirect " + status + " without a Location");
                }
                URI next = target.resolve(location.get());
                if (!sameHost(next, uri)) {
                    auth = null; // a storage backend's presigned URL: our token is not for it
                }
                target = next;
                continue;
            }
            if (status == 401) {
                throw new ImageReadException(where() + ": " + what + ": the registry refused "
                        + (credentials == null ? "anonymous access" : "the credentials") + " (401" + detail(body) + ")"
                        + (credentials == null ? "; it needs credentials (USER:PASSWORD)" : ""));
            }
            if (status == 403) {
                throw new ImageReadException(where() + ": " + what + ": access denied (403" + detail(body) + ")");
            }
            if (status == 404) {
                throw new ImageReadException(where() + ": no such " + what + " (404" + detail(body) + ")");
            }
            throw new ImageReadException(where() + ": " + what + ": the registry answered " + status + detail(body));
        }
        throw new ImageReadException(where() + ": " + what + ": more than " + MAX_REDIRECTS + " redirects");
    }

    /** The Authorization header value that answers a 401's challenge. */
    private String answer(String challenge, String body) throws ImageReadException {
        String scheme = challenge.contains(" ") ? challenge.substring(0, challenge.indexOf(' ')) : challenge;
        Map<String, String> params = challengeParams(challenge.substring(scheme.length()));
        switch (scheme.toLowerCase(Locale.ROOT)) {
            case "basic" -> {
                if (credentials == null) {
                    throw new ImageReadException(where() + ": the registry needs credentials (Basic auth, 401"
                            + detail(body) + "); give USER:PASSWORD");
                }
                return basic();
            }
            case "bearer" -> {
                String realm = params.get("realm");
                if (realm == null) {
                    throw new ImageReadException(where() + ": bearer challenge without a realm: " + challenge);
                }
                String scope = params.getOrDefault("scope", "repository:" + ref.repository() + ":pull");
                return "Bearer " + token(realm, params.get("service"), scope);
            }
            default -> throw new ImageReadException(where() + ": the registry asks for authentication this reader "
                    + "does not speak: '" + challenge + "' (401" + detail(body) + ")");
        }
    }

    private String token(String realm, String service, String scope) throws ImageReadException {
        StringBuilder query = new StringBuilder();
        if (service != null) {
            query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        for (String s : scope.split(" ")) {
            query.append(query.length() == 0 ? "" : "&").append("scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
        }
        URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(SMALL_REQUEST_TIMEOUT);
        if (credentials != null) {
            b.header("Authorization", basic());
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                throw new ImageReadException(where() + ": the token service " + realm + " refused "
                        + (credentials == null ? "anonymous access" : "the credentials") + " (" + r.statusCode() + ")");
            }
            if (r.statusCode() != 200) {
                throw new ImageReadException(where() + ": the token service " + realm + " answered " + r.statusCode());
            }
            JsonNode n = JSON.readTree(r.body());
            String token = n.path("token").asText(n.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new ImageReadException(where() + ": the token service " + realm + " returned no token");
            }
            return token;
        } catch (IOException e) {
            throw new ImageReadException(where() + ": cannot get a token from " + realm + ": " + message(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageReadException(where() + ": interrupted", e);
        }
    }

    private String basic() {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    /** realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/x:pull" */
    static Map<String, String> challengeParams(String s) {
        Map<String, String> params = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',')) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    value.append(s.charAt(i++));
                }
                i++;
            } else {
                while (i < n && s.charAt(i) != ',') {
                    value.append(s.charAt(i++));
                }
            }
            params.put(key, value.toString().trim());
        }
        return params;
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && String.valueOf(a.getAuthority()).equalsIgnoreCase(String.valueOf(b.getAuthority()));
    }

    private static String errorBody(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            return new String(in.readNBytes(16 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** ", MANIFEST_UNKNOWN: manifest unknown" from the registry's error JSON, when it sent one. */
    private static String detail(String body) {
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            if (errors.isArray() && errors.size() > 0) {
                JsonNode e = errors.get(0);
                return ", " + e.path("code").asText() + ": " + e.path("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: nothing to add
        }
        return "";
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Accepts any certificate for any host: {@code tlsVerify=false} only. */
    private static SSLContext trustAll() {
        TrustManager tm = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
