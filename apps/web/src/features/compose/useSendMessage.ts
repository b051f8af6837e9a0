import { useMutation, useQueryClient } from '@tanstack/react-query';
import { sendMessageMutation } from './compose.queries.js';

export function useSendMessage() {
  const queryClient = useQueryClient();
  return useMutation(sendMessageMutation(queryClient));
}
