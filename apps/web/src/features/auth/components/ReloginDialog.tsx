/**
 * Opens over the console when the server ends the session mid-work (a 401: the
 * ticket expired, was revoked, or the server restarted with new keys). The screen and
 * any open form stay mounted underneath, so after logging in again the admin submits
 * what they typed. Only the same user may continue; "Log out" drops everything.
 */
import { useQueryClient } from "@tanstack/react-query";
import { Button } from "../../../components/Button.js";
import { Dialog } from "../../../components/Dialog.js";
import { sessionStore } from "../../../lib/session.js";
import { LoginForm } from "./LoginForm.js";

export interface ReloginDialogProps {
  username: string;
}

function stayOpen(): void {
  // Escape and the backdrop do nothing: the console underneath cannot work without a session.
}

export function ReloginDialog({ username }: ReloginDialogProps) {
  const queryClient = useQueryClient();
  return (
    <Dialog
      title="Session ended"
      description="Your session has ended. Log in again to carry on: what you typed is kept."
      onClose={stayOpen}
      dismissible={false}
    >
      <LoginForm initialUsername={username} lockUsername submitLabel="Log in again" autoFocusField="password" />
      <div className="actions">
        <Button
          variant="ghost"
          onClick={() => {
            queryClient.clear();
            sessionStore.end(null);
          }}
        >
          Log out instead
        </Button>
      </div>
    </Dialog>
  );
}
