package dev.nightshift.dispatch.engine;

/**
 * Where task records come from (the task listener): paused while this instance runs as many agents as it may,
 * resumed when one ends. Both are idempotent.
 */
public interface Intake {

    void pause();

    void resume();
}
