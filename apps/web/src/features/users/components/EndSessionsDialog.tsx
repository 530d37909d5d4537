import { useQueryClient } from "@tanstack/react-query";
import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import { sessionStore, useSessionState } from "../../../lib/session.js";
import { useEndSessions } from "../api/end-sessions.js";

export const OWN_SESSIONS_ENDED_MESSAGE = "You ended all your sessions, this one included. Log in again to continue.";

export interface EndSessionsDialogProps {
  userid: string;
  onEnded: () => void;
  onClose: () => void;
}

export function EndSessionsDialog({ userid, onEnded, onClose }: EndSessionsDialogProps) {
  const endSessions = useEndSessions();
  const queryClient = useQueryClient();
  const isSelf = useSessionState().session?.username === userid;
  return (
    <ConfirmDialog
      title="End all sessions?"
      confirmLabel="End all sessions"
      pending={endSessions.isPending}
      error={endSessions.error}
      onCancel={onClose}
      onConfirm={() =>
        endSessions.mutate(userid, {
          onSuccess: () => {
            if (!isSelf) {
              onEnded();
              return;
            }
            // This console's own ticket was among them: leave nothing on screen.
            queryClient.clear();
            sessionStore.end(OWN_SESSIONS_ENDED_MESSAGE);
          },
        })
      }
    >
      <p>
        Every browser and CLI session of <strong>{userid}</strong> ends now; each must log in again. API tokens keep working.
      </p>
      {isSelf ? <p className="warning">This is your own account: this console is logged out too.</p> : null}
    </ConfirmDialog>
  );
}
