package io.driftwatch.adapters.k8saudit;

import java.util.List;

/**
 * The parts of one Kubernetes audit event ({@code audit.k8s.io/v1 Event}) the adapter reads.
 * Times are epoch milliseconds (the API server writes RFC 3339 with microseconds; they are
 * truncated), null when the event does not carry them.
 *
 * @param auditId           {@code auditID}: the same for every stage of one request
 * @param stage             {@code RequestReceived}, {@code ResponseStarted}, {@code ResponseComplete} or {@code Panic}
 * @param verb              {@code create} (SPDY, older kubectl) or {@code get} (WebSocket, newer kubectl) for exec
 * @param requestUri        {@code requestURI}, path and query as the client sent them
 * @param username          {@code user.username}: the authenticated identity
 * @param groups            {@code user.groups}
 * @param impersonatedUser  {@code impersonatedUser.username}, null without impersonation
 * @param impersonatedGroups {@code impersonatedUser.groups}
 * @param sourceIps         {@code sourceIPs}
 * @param resource          {@code objectRef.resource}
 * @param subresource       {@code objectRef.subresource}
 * @param namespace         {@code objectRef.namespace}
 * @param name              {@code objectRef.name}
 * @param responseCode      {@code responseStatus.code}, null when absent
 * @param requestReceived   {@code requestReceivedTimestamp}
 * @param stageTime         {@code stageTimestamp}
 */
public record AuditEvent(String auditId, String stage, String verb, String requestUri, String username,
                         List<String> groups, String impersonatedUser, List<String> impersonatedGroups,
                         List<String> sourceIps, String resource, String subresource, String namespace, String name,
                         Integer responseCode, Long requestReceived, Long stageTime) {
    public static final String REQUEST_RECEIVED = "RequestReceived";
    public static final String RESPONSE_STARTED = "ResponseStarted";
    public static final String RESPONSE_COMPLETE = "ResponseComplete";
    public static final String PANIC = "Panic";

    public AuditEvent {
        groups = groups == null ? List.of() : List.copyOf(groups);
        impersonatedGroups = impersonatedGroups == null ? List.of() : List.copyOf(impersonatedGroups);
        sourceIps = sourceIps == null ? List.of() : List.copyOf(sourceIps);
    }

    /** The time this stage happened: {@code stageTimestamp}, else {@code requestReceivedTimestamp}. */
    public Long time() {
        return stageTime != null ? stageTime : requestReceived;
    }
}
