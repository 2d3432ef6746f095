export function Settings() {
  return <h1>Email settings</h1>;
}
