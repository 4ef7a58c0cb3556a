/** Adds the `custom-labStatus` navbar item (docusaurus.config.ts) to the theme's item types. */
import ComponentTypes from '@theme-original/NavbarItem/ComponentTypes';
import LabStatus from '../../components/LabStatus/index.tsx';

export default {
  ...ComponentTypes,
  'custom-labStatus': LabStatus,
};
