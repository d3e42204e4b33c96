// What a view shows while the browser is not signed in: one line and a button that opens the sign-in menu
// (top right), the only place the designer asks. Nothing while the session is still being read.
import { LogIn } from 'lucide-react';
import { setSignInOpen, useSession } from '../session';
import { Button } from '../components/ui';

export function SignInPrompt({ to, className }: { to: string; className?: string }) {
  const session = useSession();
  if (!session.checked || session.signedIn) return null;
  return (
    <div className={`sign-in-prompt${className ? ` ${className}` : ''}`} data-testid="sign-in-prompt">
      <p className="hint">Sign in {to}: open the sign-in link the server printed at start, or</p>
      <Button icon={LogIn} variant="primary" onClick={() => setSignInOpen(true)}>Sign in</Button>
    </div>
  );
}
