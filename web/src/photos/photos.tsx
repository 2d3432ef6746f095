/**
 * The photos of a hangout: adding them (straight to storage), the gallery, and the viewer.
 * The hangout page hands in its latest `memory.*` live change, a new object each time.
 */
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { LiveChange } from "../api/live.ts";
import { Gallery, type TileActions } from "./gallery.tsx";
import { Uploader } from "./uploader.tsx";
import { useMemories } from "./use-memories.ts";
import { Viewer } from "./viewer.tsx";

export function Photos(props: {
  hangoutId: string;
  ownerId: string;
  userId: string;
  lastChange: LiveChange | undefined;
}) {
  const { hangoutId, ownerId, userId } = props;
  const memories = useMemories(hangoutId, props.lastChange);
  const [openId, setOpenId] = useState<string | undefined>();
  const opener = useRef<HTMLElement | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const shown = openId ? memories.items?.find((memory) => memory.id === openId) : undefined;

  // The viewer goes when it is closed or its photo is deleted (here or by someone else); focus
  // then goes back to the tile that opened it, or to the heading when that tile went too.
  const isOpen = shown !== undefined;
  const wasOpen = useRef(false);
  useLayoutEffect(() => {
    if (!isOpen && wasOpen.current) {
      const target = opener.current;
      opener.current = null;
      if (target?.isConnected) target.focus();
      else heading.current?.focus();
      setOpenId(undefined);
    }
    wasOpen.current = isOpen;
  }, [isOpen]);

  const actions: TileActions = {
    open(memory, element) {
      opener.current = element;
      setOpenId(memory.id);
    },
    imageFailed: memories.refetch,
  };

  return (
    <section class="photos" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Photos
      </h2>
      <Uploader hangoutId={hangoutId} onConfirmed={memories.added} />
      <Gallery
        items={memories.items}
        error={memories.error}
        onReload={memories.load}
        actions={actions}
      />
      {shown && (
        <Viewer
          key={shown.id}
          memory={shown}
          canDelete={shown.uploadedBy === userId || ownerId === userId}
          onClose={() => setOpenId(undefined)}
          onDelete={memories.remove}
          onImageFailed={memories.refetch}
        />
      )}
    </section>
  );
}
