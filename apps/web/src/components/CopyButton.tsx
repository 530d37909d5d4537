/**
 * Copies a value to the clipboard and says whether it worked: a secret that is shown
 * only once must not be lost to a silent failure.
 */
import { useEffect, useState } from "react";
import { Button } from "./Button.js";

type CopyState = "idle" | "copied" | "failed";

const FEEDBACK_MS = 4000;

export interface CopyButtonProps {
  value: string;
  label: string;
  /** Called after the value reached the clipboard. */
  onCopied?: () => void;
}

export function CopyButton({ value, label, onCopied }: CopyButtonProps) {
  const [state, setState] = useState<CopyState>("idle");

  useEffect(() => {
    if (state === "idle") return undefined;
    const timer = window.setTimeout(() => setState("idle"), FEEDBACK_MS);
    return () => window.clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
      onCopied?.();
    } catch {
      setState("failed");
    }
  }

  return (
    <span className="copy">
      <Button onClick={() => void copy()}>{label}</Button>
      <span className="copy__status" role="status">
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text and copy it by hand" : ""}
      </span>
    </span>
  );
}
