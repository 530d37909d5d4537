/**
 * The Two-factor screen. Everyone manages their own second factors here: an
 * authenticator app (TOTP, with a QR code), security keys (WebAuthn) and the
 * show-once recovery keys, each change confirmed with their password. A user with
 * Sys.Audit on /access/users also sees who has which factor and who is locked out;
 * with Permissions.Modify they unlock users and remove others' factors (ADR 026).
 */
import { useState } from "react";
import "../tfa.css";
import { Button } from "../../../components/Button.js";
import { Table, type TableColumn } from "../../../components/Table.js";
import { accountActionRefusal, useCallerRights } from "../../../lib/rights.js";
import { useSessionState } from "../../../lib/session.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { showToast } from "../../../lib/toasts.js";
import { useTfaUsers, type FactorRow, type TfaUserRow } from "../api/get-tfa.js";
import { factorName, lockState, summarizeFactors } from "../factor-labels.js";
import { AddRecoveryKeysDialog } from "./AddRecoveryKeysDialog.js";
import { AddSecurityKeyDialog } from "./AddSecurityKeyDialog.js";
import { AddTotpDialog } from "./AddTotpDialog.js";
import { FactorTable } from "./FactorTable.js";
import { RemoveFactorDialog } from "./RemoveFactorDialog.js";
import { UnlockDialog } from "./UnlockDialog.js";
import { UserFactorsDialog } from "./UserFactorsDialog.js";

type OpenDialog =
  | { kind: "totp" }
  | { kind: "webauthn" }
  | { kind: "recovery" }
  /** `fromUserFactors`: the admin came from a user's factor list and goes back to it. */
  | { kind: "remove"; userid: string; factor: FactorRow; fromUserFactors: boolean }
  | { kind: "user-factors"; userid: string }
  | { kind: "unlock"; userid: string };

export function TwoFactorPage() {
  const userid = useSessionState().session?.username ?? "";
  const rights = useCallerRights();
  const listing = useTfaUsers();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);
  const nowS = nowEpochSeconds();

  const own = listing.data?.find((user) => user.userid === userid);
  const ownFactors = listing.data === undefined ? undefined : (own?.factors ?? []);
  const ownLock = own === undefined ? null : lockState(own, nowS);
  const hasRecovery = ownFactors?.some((factor) => factor.type === "recovery") === true;
  const showsEveryone = rights?.auditUsers === true;

  const userColumns: TableColumn<TfaUserRow>[] = [
    { id: "userid", header: "User", isRowHeader: true, render: (user) => user.userid },
    { id: "factors", header: "Second factors", render: summarizeFactors },
    {
      id: "lock",
      header: "Lock",
      render: (user) => {
        const state = lockState(user, nowS);
        return state === null ? <span className="badge badge--ok">Not locked</span> : <span className="badge badge--warn">{state}</span>;
      },
    },
    {
      id: "actions",
      header: "Actions",
      className: "cell--actions",
      render: (user) => (
        <div className="row-actions">
          <Button
            variant="ghost"
            aria-label={`Second factors of ${user.userid}`}
            onClick={() => setDialog({ kind: "user-factors", userid: user.userid })}
          >
            Factors
          </Button>
          <Button
            variant="ghost"
            aria-label={`Unlock ${user.userid}`}
            disabledReason={accountActionRefusal(rights, user.userid, "unlock-tfa")}
            onClick={() => setDialog({ kind: "unlock", userid: user.userid })}
          >
            Unlock
          </Button>
        </div>
      ),
    },
  ];

  function renderDialog(open: OpenDialog) {
    switch (open.kind) {
      case "totp":
        return (
          <AddTotpDialog
            userid={userid}
            onClose={close}
            onAdded={() => {
              close();
              showToast("Authenticator app added. From now on, log in with a code from it.");
            }}
          />
        );
      case "webauthn":
        return (
          <AddSecurityKeyDialog
            userid={userid}
            onClose={close}
            onAdded={() => {
              close();
              showToast("Security key added.");
            }}
          />
        );
      case "recovery":
        return <AddRecoveryKeysDialog userid={userid} onClose={close} />;
      case "remove": {
        const back = () => setDialog(open.fromUserFactors ? { kind: "user-factors", userid: open.userid } : null);
        return (
          <RemoveFactorDialog
            userid={open.userid}
            factor={open.factor}
            onClose={back}
            onRemoved={() => {
              back();
              showToast(`Removed the ${factorName(open.factor)} of ${open.userid}.`);
            }}
          />
        );
      }
      case "user-factors": {
        const user = listing.data?.find((candidate) => candidate.userid === open.userid) ?? {
          userid: open.userid,
          factors: [],
          totpLocked: false,
          lockedUntil: null,
        };
        return (
          <UserFactorsDialog
            user={user}
            removeRefusal={accountActionRefusal(rights, open.userid, "manage-tfa")}
            onRemove={(factor) => setDialog({ kind: "remove", userid: open.userid, factor, fromUserFactors: true })}
            onClose={close}
          />
        );
      }
      case "unlock":
        return (
          <UnlockDialog
            userid={open.userid}
            onClose={close}
            onUnlocked={(wasLocked) => {
              close();
              showToast(wasLocked ? `Second factors of ${open.userid} unlocked.` : `${open.userid} was not locked; failure counts reset.`);
            }}
          />
        );
    }
  }

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title" tabIndex={-1}>
          Two-factor
        </h1>
      </header>
      <p className="page__intro">
        With a second factor, a password alone no longer logs you in: the login also asks for a code from an authenticator app, a security
        key, or one of your recovery keys.
      </p>
      <section className="tfa-section" aria-labelledby="tfa-own-title">
        <h2 id="tfa-own-title">Your second factors</h2>
        {ownLock === null ? null : (
          <p className="warning" role="status">
            {ownLock}. Log in once with a recovery key, or ask an administrator to unlock you.
          </p>
        )}
        <div className="actions actions--start">
          <Button onClick={() => setDialog({ kind: "totp" })}>Add authenticator app</Button>
          <Button onClick={() => setDialog({ kind: "webauthn" })}>Add security key</Button>
          <Button
            onClick={() => setDialog({ kind: "recovery" })}
            disabledReason={hasRecovery ? "You already have recovery keys: remove them first to generate a new set." : null}
          >
            Generate recovery keys
          </Button>
        </div>
        <FactorTable
          caption="Your second factors"
          factors={ownFactors}
          isLoading={listing.isPending}
          error={listing.error}
          onRetry={() => void listing.refetch()}
          emptyMessage="You have no second factor: your password alone logs you in."
          removeRefusal={null}
          onRemove={(factor) => setDialog({ kind: "remove", userid, factor, fromUserFactors: false })}
        />
      </section>
      {showsEveryone ? (
        <section className="tfa-section" aria-labelledby="tfa-all-title">
          <h2 id="tfa-all-title">Every user&apos;s second factors</h2>
          <Table
            caption="Every user's second factors"
            columns={userColumns}
            rows={listing.data}
            getRowKey={(user) => user.userid}
            isLoading={listing.isPending}
            error={listing.error}
            onRetry={() => void listing.refetch()}
            emptyMessage="No user has a second factor yet."
          />
        </section>
      ) : null}
      {dialog === null ? null : renderDialog(dialog)}
    </section>
  );
}
