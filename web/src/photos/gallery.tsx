/**
 * The hangout's photos as tiles: the thumbnail once ready (its ThumbHash behind it until it
 * loads), "Processing…" before that, the reason in words when it failed. Each tile is a button
 * that opens the viewer.
 */
import { useId, useState } from "preact/hooks";
import type { Memory } from "../api/types.ts";
import { placeholderUrl, stateText, tileSource } from "./photo-view.ts";

export interface TileActions {
  open(memory: Memory, opener: HTMLElement): void;
  /** The image did not load: its URL may have expired. */
  imageFailed(memory: Memory, url: string): void;
}

function Tile({ memory, actions }: { memory: Memory; actions: TileActions }) {
  const [loadedSrc, setLoadedSrc] = useState<string | undefined>();
  const stateId = useId();
  const src = tileSource(memory);
  const state = stateText(memory);
  const placeholder = placeholderUrl(memory.placeholder);
  const size = memory.thumbnail ?? { width: memory.width, height: memory.height };
  return (
    <li class={`photo-tile photo-${memory.status}`}>
      <button
        type="button"
        class="photo-open"
        aria-label={`Open ${memory.filename}`}
        aria-describedby={state ? stateId : undefined}
        onClick={(event) => actions.open(memory, event.currentTarget)}
      >
        {src ? (
          <img
            src={src}
            alt={memory.filename}
            width={size.width ?? undefined}
            height={size.height ?? undefined}
            loading="lazy"
            decoding="async"
            style={
              placeholder && loadedSrc !== src
                ? { backgroundImage: `url("${placeholder}")`, backgroundSize: "cover" }
                : undefined
            }
            onLoad={() => setLoadedSrc(src)}
            onError={() => actions.imageFailed(memory, src)}
          />
        ) : (
          <>
            <span class="photo-name">{memory.filename}</span>
            <span class="photo-state" id={stateId}>
              {state}
            </span>
          </>
        )}
      </button>
    </li>
  );
}

export function Gallery(props: {
  items: Memory[] | undefined;
  error: string | undefined;
  onReload(): void;
  actions: TileActions;
}) {
  const { items, error } = props;
  if (error) {
    return (
      <div class="photos-error">
        <p role="alert">{error}</p>
        <button type="button" class="secondary" onClick={props.onReload}>
          Load photos again
        </button>
      </div>
    );
  }
  if (!items) return <p class="loading">Loading photos…</p>;
  return (
    <>
      <ul class="gallery" aria-label="Photos">
        {items.map((memory) => (
          <Tile key={memory.id} memory={memory} actions={props.actions} />
        ))}
      </ul>
      {!items.length && <p class="empty">No photos yet.</p>}
    </>
  );
}
