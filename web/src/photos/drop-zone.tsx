/**
 * An area that takes files dropped on it. It is only a shortcut for the file input inside it,
 * which stays the control for keyboards and screen readers, so the listeners are set on the
 * element directly rather than making it look interactive.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export function DropZone(props: { onFiles(files: File[]): void; children: ComponentChildren }) {
  const zone = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState(false);
  const onFiles = useRef(props.onFiles);
  onFiles.current = props.onFiles;

  useEffect(() => {
    const element = zone.current;
    if (!element) return;
    const over = (event: DragEvent) => {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      setDragging(true);
    };
    // Moving between the zone's own children is not leaving it.
    const leave = (event: DragEvent) => {
      if (!(event.relatedTarget instanceof Node && element.contains(event.relatedTarget))) {
        setDragging(false);
      }
    };
    const drop = (event: DragEvent) => {
      event.preventDefault();
      setDragging(false);
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length) onFiles.current(files);
    };
    element.addEventListener("dragover", over);
    element.addEventListener("dragleave", leave);
    element.addEventListener("drop", drop);
    return () => {
      element.removeEventListener("dragover", over);
      element.removeEventListener("dragleave", leave);
      element.removeEventListener("drop", drop);
    };
  }, []);

  return (
    <div ref={zone} class={dragging ? "drop-zone dragging" : "drop-zone"}>
      {props.children}
    </div>
  );
}
