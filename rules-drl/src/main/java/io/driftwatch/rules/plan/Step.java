package io.driftwatch.rules.plan;

import io.driftwatch.model.ResponseAction;

/** A playbook step: a manual checklist item ({@code action} null) or an automated step done by a responder action. */
public record Step(String id, String title, ResponseAction action) {
    public boolean automated() {
        return action != null;
    }
}
