// /queue stuck [queue] [--class Name] [--page N]
import { jobListCommand } from '../src/views/job-list-command.ts';

export default jobListCommand('stuck');
