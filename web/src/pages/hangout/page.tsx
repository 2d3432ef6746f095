export function HangoutPage({ id }: { id: string }) {
  return <h1>Hangout {id}</h1>;
}
