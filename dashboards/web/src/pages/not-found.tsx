import { Link, paths } from '../app/router';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <div className="page">
      <div className="state state-empty" style={{ minHeight: 240 }}>
        <strong>Nothing at {path}</strong>
        <span className="muted">The address may be mistyped, or the page has moved.</span>
        <Link className="button" href={paths.board()}>
          Back to the board
        </Link>
      </div>
    </div>
  );
}
