package dev.pgwarden.operator.webhook;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.webhook.admission.AdmissionUtils;
import java.util.List;

/** Small helpers shared by the admission handlers: typed objects out of a request, answers back. */
public final class Admission {
  /** One mapper for all handlers; it knows the fabric8 model annotations. */
  public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Admission() {
  }

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

  public static AdmissionResponse allowed() {
    return AdmissionUtils.allowedAdmissionResponse();
  }

  /** A refusal the user sees verbatim in kubectl's error; say what is wrong and what to do. */
  public static AdmissionResponse refused(String message) {
    AdmissionResponse response = new AdmissionResponse();
    response.setAllowed(false);
    response.setStatus(new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(message).build());
    return response;
  }

  /** A refusal listing field problems, each also as a cause so tools can point at the field. */
  public static AdmissionResponse invalid(String message, List<StatusCause> causes) {
    AdmissionResponse response = new AdmissionResponse();
    response.setAllowed(false);
    response.setStatus(new StatusBuilder().withCode(422).withReason("Invalid").withMessage(message)
        .withNewDetails().withCauses(causes).endDetails().build());
    return response;
  }

  /** The webhook itself could not decide (e.g. the API server did not answer): refuse, fail closed. */
  public static AdmissionResponse failed(String message) {
    AdmissionResponse response = new AdmissionResponse();
    response.setAllowed(false);
    response.setStatus(new StatusBuilder().withCode(500).withReason("InternalError").withMessage(message).build());
    return response;
  }
}
