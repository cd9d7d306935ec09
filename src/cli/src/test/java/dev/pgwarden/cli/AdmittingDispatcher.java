package dev.pgwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgwarden.operator.webhook.AdmissionRoutes;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.GroupVersionResource;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import io.javaoperatorsdk.webhook.admission.AdmissionController;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock API server's CRUD store, with what a real API server does around a write to a
 * QueryApproval: authenticate the caller by bearer token, run the operator's mutating webhook
 * (from {@link AdmissionRoutes}, exactly as its webhook server routes it), apply its patch, run the
 * validating webhook, and refuse with the webhook's message the way the API server words it.
 */
final class AdmittingDispatcher extends KubernetesCrudDispatcher {
    static final String VALIDATING_WEBHOOK = "queryapprovals.validate.pgwarden.dev";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern APPROVAL =
            Pattern.compile("/apis/pgwarden\\.dev/v1alpha1/namespaces/([^/]+)/queryapprovals/([^/?]+)(\\?.*)?");

    private final Map<String, UserInfo> usersByToken = new ConcurrentHashMap<>();
    private volatile Map<String, AdmissionController<?>> routes;

    void webhooks(Map<String, AdmissionController<?>> routes) {
        this.routes = routes;
    }

    void user(String token, String username, List<String> groups) {
        UserInfo user = new UserInfo();
        user.setUsername(username);
        user.setGroups(groups);
        usersByToken.put(token, user);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Matcher approval = APPROVAL.matcher(request.getPath());
        boolean write = request.method() == HttpMethod.PATCH || request.method() == HttpMethod.PUT;
        if (routes == null || !approval.matches() || !write) {
            return super.dispatch(request);
        }
        String authorization = request.getHeader("Authorization");
        UserInfo user = authorization == null ? null : usersByToken.get(authorization.replaceFirst("^Bearer ", ""));
        if (user == null) {
            return status(401, "Unauthorized", "Unauthorized");
        }
        String path = approval.group(3) == null
                ? request.getPath()
                : request.getPath().substring(0, request.getPath().indexOf('?'));
        MockResponse current = handleGet(path);
        if (current.code() != 200) {
            return current;
        }
        JsonNode before = read(current.getBody().readUtf8());
        JsonNode after;
        if (request.method() == HttpMethod.PUT) {
            after = read(request.getUtf8Body());
        } else if (String.valueOf(request.getHeader("Content-Type")).startsWith("application/merge-patch+json")) {
            after = merge(before.deepCopy(), read(request.getUtf8Body()));
        } else {
            return status(415, "UnsupportedMediaType", "this test server applies merge patches only");
        }
        AdmissionResponse mutation = admit(AdmissionRoutes.MUTATE_QUERY_APPROVALS, approval, user, before, after);
        if (mutation.getPatch() != null) {
            after = JsonPatch.apply(read(new String(Base64.getDecoder().decode(mutation.getPatch()))), after);
        }
        AdmissionResponse validation = admit(AdmissionRoutes.VALIDATE_QUERY_APPROVALS, approval, user, before, after);
        if (!validation.getAllowed()) {
            int code = validation.getStatus() == null || validation.getStatus().getCode() == null
                    ? 400
                    : validation.getStatus().getCode();
            return status(
                    code,
                    code == 403 ? "Forbidden" : "BadRequest",
                    "admission webhook \"" + VALIDATING_WEBHOOK + "\" denied the request: "
                            + validation.getStatus().getMessage());
        }
        Headers headers =
                Headers.builder().add("Content-Type", "application/json").build();
        Buffer body = new Buffer().writeUtf8(after.toString());
        return handleUpdate(new RecordedRequest("PUT " + path + " HTTP/1.1", HttpMethod.PUT, path, headers, body));
    }

    private AdmissionResponse admit(String route, Matcher approval, UserInfo user, JsonNode before, JsonNode after) {
        AdmissionRequest request = new AdmissionRequest();
        request.setUid(UUID.randomUUID().toString());
        request.setKind(new GroupVersionKind("pgwarden.dev", "QueryApproval", "v1alpha1"));
        request.setResource(new GroupVersionResource("pgwarden.dev", "queryapprovals", "v1alpha1"));
        request.setNamespace(approval.group(1));
        request.setName(approval.group(2));
        request.setOperation("UPDATE");
        request.setUserInfo(user);
        request.setObject(Admission.SERIALIZATION.unmarshal(after.toString()));
        request.setOldObject(Admission.SERIALIZATION.unmarshal(before.toString()));
        AdmissionReview review = new AdmissionReview();
        review.setApiVersion("admission.k8s.io/v1");
        review.setKind("AdmissionReview");
        review.setRequest(request);
        return routes.get(route).handle(review).getResponse();
    }

    /** RFC 7386: objects merge member by member, null removes, anything else replaces. */
    private static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
        for (Iterator<Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Entry<String, JsonNode> field = it.next();
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(field.getKey(), merge(result.get(field.getKey()), field.getValue()));
            }
        }
        return result;
    }

    private static MockResponse status(int code, String reason, String message) {
        ObjectNode status = JSON.createObjectNode()
                .put("apiVersion", "v1")
                .put("kind", "Status")
                .put("status", "Failure")
                .put("message", message)
                .put("reason", reason)
                .put("code", code);
        return new MockResponse()
                .setResponseCode(code)
                .setHeader("Content-Type", "application/json")
                .setBody(status.toString());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
