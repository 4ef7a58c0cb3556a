/**
 * /instructor: the instructor's view (src/components/Instructor). Browser only: it polls the gateway's
 * instructor API and opens terminal sockets, nothing of which exists at build time.
 */
import Layout from '@theme/Layout';
import Head from '@docusaurus/Head';
import BrowserOnly from '@docusaurus/BrowserOnly';
import InstructorView from '../components/Instructor/InstructorView.tsx';

export default function InstructorPage() {
  return (
    <Layout>
      <Head>
        <title>Instructor · Patchbay</title>
        <meta name="robots" content="noindex" />
      </Head>
      <main className="container margin-vert--lg">
        <BrowserOnly fallback={<p>Loading the roster…</p>}>{() => <InstructorView />}</BrowserOnly>
      </main>
    </Layout>
  );
}
