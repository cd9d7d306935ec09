package dev.pgwarden.operator.webhook.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import io.javaoperatorsdk.webhook.admission.AdmissionUtils;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;

/** Small helpers shared by the admission handlers: typed objects out of a request, answers back. */
public final class Admission {
    /** One mapper for all handlers; it knows the fabric8 model annotations. */
    public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Admission() {}

    /**
     * The request's object as {@code type}. The review is parsed before the handler knows the kind, so
     * custom resources may arrive as generic maps; converting here makes every handler see its own type.
     */
    public static <T> T object(AdmissionRequest request, Class<T> type) {
        return request.getObject() == null ? null : SERIALIZATION.convertValue(request.getObject(), type);
    }

    public static <T> T oldObject(AdmissionRequest request, Class<T> type) {
        return request.getOldObject() == null ? null : SERIALIZATION.convertValue(request.getOldObject(), type);
    }

    /**
     * Allowed, with a JSONPatch from {@code original} to {@code mutated}. Unlike the framework's
     * default diff, this one has no copy/move operations: every change is a plain add, remove or
     * replace whose value is in the patch, so it does not depend on other fields of the live object
     * and reads clearly in audit logs.
     */
    public static AdmissionResponse patched(Object original, Object mutated) {
        JsonNode before = SERIALIZATION.convertValue(original, JsonNode.class);
        JsonNode after = SERIALIZATION.convertValue(mutated, JsonNode.class);
        JsonNode patch = JsonDiff.asJson(
                before,
                after,
                EnumSet.of(
                        DiffFlags.OMIT_COPY_OPERATION, DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_VALUE_ON_REMOVE));
        AdmissionResponse response = new AdmissionResponse();
        response.setAllowed(true);
        if (!patch.isEmpty()) {
            response.setPatchType(AdmissionUtils.JSON_PATCH);
            response.setPatch(
                    Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));
        }
        return response;
    }

    public static AdmissionResponse allowed() {
        return AdmissionUtils.allowedAdmissionResponse();
    }

    /** A refusal the user sees verbatim in kubectl's error; say what is wrong and what to do. */
    public static AdmissionResponse refused(String message) {
        AdmissionResponse response = new AdmissionResponse();
        response.setAllowed(false);
        response.setStatus(new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(message)
                .build());
        return response;
    }

    /** A refusal listing field problems, each also as a cause so tools can point at the field. */
    public static AdmissionResponse invalid(String message, List<StatusCause> causes) {
        AdmissionResponse response = new AdmissionResponse();
        response.setAllowed(false);
        response.setStatus(new StatusBuilder()
                .withCode(422)
                .withReason("Invalid")
                .withMessage(message)
                .withNewDetails()
                .withCauses(causes)
                .endDetails()
                .build());
        return response;
    }

    /** The webhook itself could not decide (e.g. the API server did not answer): refuse, fail closed. */
    public static AdmissionResponse failed(String message) {
        AdmissionResponse response = new AdmissionResponse();
        response.setAllowed(false);
        response.setStatus(new StatusBuilder()
                .withCode(500)
                .withReason("InternalError")
                .withMessage(message)
                .build());
        return response;
    }
}
