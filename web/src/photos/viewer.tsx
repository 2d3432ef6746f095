/**
 * One photo, large, in a modal dialog: Escape or "Close" shuts it (the opener takes focus
 * back, see photos.tsx). Its uploader and the hangout's owner may delete it, after a second
 * step that asks; the deleted photo leaves the list, and that closes the viewer.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "../api/problem.ts";
import type { Memory } from "../api/types.ts";
import { formatWhen } from "../components/dates.ts";
import { placeholderUrl, stateText, viewerSource } from "./photo-view.ts";

export interface ViewerProps {
  memory: Memory;
  canDelete: boolean;
  onClose(): void;
  onDelete(id: string): Promise<void>;
  onImageFailed(memory: Memory, url: string): void;
}

function DeleteControls({ memory, onDelete }: Pick<ViewerProps, "memory" | "onDelete">) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  // Focus follows the step: onto the confirmation when it appears, back when it is declined.
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) deleteRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onDelete(memory.id);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <div class="viewer-delete">
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {asking ? (
        <fieldset class="confirm">
          <legend>Delete this photo for everyone in the hangout? This cannot be undone.</legend>
          <button ref={confirmRef} type="button" class="danger" disabled={busy} onClick={confirm}>
            Yes, delete it
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => setAsking(false)}>
            Keep it
          </button>
        </fieldset>
      ) : (
        <button ref={deleteRef} type="button" class="danger" onClick={() => setAsking(true)}>
          Delete photo
        </button>
      )}
    </div>
  );
}

export function Viewer({ memory, canDelete, onClose, onDelete, onImageFailed }: ViewerProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [loadedSrc, setLoadedSrc] = useState<string | undefined>();

  // Modal from its first paint, so nothing can be reached behind it, Escape included.
  useLayoutEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const src = viewerSource(memory);
  const placeholder = placeholderUrl(memory.placeholder);
  const size = memory.preview ?? { width: memory.width, height: memory.height };
  const state = stateText(memory);

  return (
    <dialog ref={dialog} class="photo-viewer" aria-labelledby={titleId} onClose={onClose}>
      <div class="viewer-header">
        <h2 id={titleId}>{memory.filename}</h2>
        <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      {src ? (
        <img
          class="viewer-image"
          src={src}
          alt={memory.filename}
          width={size.width ?? undefined}
          height={size.height ?? undefined}
          style={
            placeholder && loadedSrc !== src
              ? { backgroundImage: `url("${placeholder}")`, backgroundSize: "cover" }
              : undefined
          }
          onLoad={() => setLoadedSrc(src)}
          onError={() => onImageFailed(memory, src)}
        />
      ) : (
        <p class="photo-state">{state}</p>
      )}
      <p class="viewer-meta">Added {formatWhen(memory.createdAt)}</p>
      {canDelete && <DeleteControls memory={memory} onDelete={onDelete} />}
    </dialog>
  );
}
